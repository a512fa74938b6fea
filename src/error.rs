//! One error type for the whole core. Every error carries a stable `code`
//! (what JS code switches on), the `field` it concerns when there is one
//! (`people[3].emails[1]`), and a human-readable reason.

use std::fmt;

/// Stable error codes. Their string forms (`as_str`) are part of the public
/// JS API: never rename one, only add.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Input could not be read as the expected shape (wrong type, unknown field).
    InvalidInput,
    InvalidId,
    InvalidEmail,
    InvalidPhone,
    InvalidTimestamp,
    InvalidDate,
    InvalidStrength,
    InvalidEnum,
    InvalidJson,
    TooLarge,
    Required,
    MissingReference,
    SelfEdge,
    DuplicateEdge,
    DuplicateInteraction,
    DuplicateId,
    NotFound,
    MergedAway,
    Storage,
    QuotaExceeded,
    SchemaTooNew,
    Closed,
    Busy,
    /// Another instance (a tab, a worker) wrote the stored graph since this
    /// one read it: the write is refused whole; reload and write again.
    Stale,
    /// A long run was cancelled by its caller (progress callback or AbortSignal).
    Cancelled,
    /// Unmerge refused: already undone, or later changes depend on the merge.
    UnmergeConflict,
    /// The sync server's answer does not follow the protocol (unknown kind,
    /// a row that is not a valid record, a change id not in the batch).
    SyncProtocol,
    /// The sync server refused the token (HTTP 401/403), even a fresh one.
    Unauthorized,
    /// The sync server could not be reached (after the retries).
    Network,
    /// The sync server failed (HTTP 5xx after the retries, or refused the request).
    SyncServer,
    /// The WebAssembly module could not be fetched or compiled (raised by
    /// the JS wrapper: the network, a bundler that left the file out, a
    /// Content-Security-Policy without 'wasm-unsafe-eval'); the next open
    /// tries again.
    LoadFailed,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 31] = [
        ErrorCode::InvalidInput,
        ErrorCode::InvalidId,
        ErrorCode::InvalidEmail,
        ErrorCode::InvalidPhone,
        ErrorCode::InvalidTimestamp,
        ErrorCode::InvalidDate,
        ErrorCode::InvalidStrength,
        ErrorCode::InvalidEnum,
        ErrorCode::InvalidJson,
        ErrorCode::TooLarge,
        ErrorCode::Required,
        ErrorCode::MissingReference,
        ErrorCode::SelfEdge,
        ErrorCode::DuplicateEdge,
        ErrorCode::DuplicateInteraction,
        ErrorCode::DuplicateId,
        ErrorCode::NotFound,
        ErrorCode::MergedAway,
        ErrorCode::Storage,
        ErrorCode::QuotaExceeded,
        ErrorCode::SchemaTooNew,
        ErrorCode::Closed,
        ErrorCode::Busy,
        ErrorCode::Stale,
        ErrorCode::Cancelled,
        ErrorCode::UnmergeConflict,
        ErrorCode::SyncProtocol,
        ErrorCode::Unauthorized,
        ErrorCode::Network,
        ErrorCode::SyncServer,
        ErrorCode::LoadFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "INVALID_INPUT",
            ErrorCode::InvalidId => "INVALID_ID",
            ErrorCode::InvalidEmail => "INVALID_EMAIL",
            ErrorCode::InvalidPhone => "INVALID_PHONE",
            ErrorCode::InvalidTimestamp => "INVALID_TIMESTAMP",
            ErrorCode::InvalidDate => "INVALID_DATE",
            ErrorCode::InvalidStrength => "INVALID_STRENGTH",
            ErrorCode::InvalidEnum => "INVALID_ENUM",
            ErrorCode::InvalidJson => "INVALID_JSON",
            ErrorCode::TooLarge => "TOO_LARGE",
            ErrorCode::Required => "REQUIRED",
            ErrorCode::MissingReference => "MISSING_REFERENCE",
            ErrorCode::SelfEdge => "SELF_EDGE",
            ErrorCode::DuplicateEdge => "DUPLICATE_EDGE",
            ErrorCode::DuplicateInteraction => "DUPLICATE_INTERACTION",
            ErrorCode::DuplicateId => "DUPLICATE_ID",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::MergedAway => "MERGED_AWAY",
            ErrorCode::Storage => "STORAGE_ERROR",
            ErrorCode::QuotaExceeded => "QUOTA_EXCEEDED",
            ErrorCode::SchemaTooNew => "SCHEMA_TOO_NEW",
            ErrorCode::Closed => "CLOSED",
            ErrorCode::Busy => "BUSY",
            ErrorCode::Stale => "STALE",
            ErrorCode::Cancelled => "CANCELLED",
            ErrorCode::UnmergeConflict => "UNMERGE_CONFLICT",
            ErrorCode::SyncProtocol => "SYNC_PROTOCOL",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::Network => "NETWORK",
            ErrorCode::SyncServer => "SYNC_SERVER",
            ErrorCode::LoadFailed => "LOAD_FAILED",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub code: ErrorCode,
    /// Path of the offending field, e.g. `people[2].emails[0]`; `None` when the
    /// error is about the whole call (storage failure, closed graph).
    pub field: Option<String>,
    pub reason: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode, field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error {
            code,
            field: Some(field.into()),
            reason: reason.into(),
        }
    }

    pub fn general(code: ErrorCode, reason: impl Into<String>) -> Self {
        Error {
            code,
            field: None,
            reason: reason.into(),
        }
    }

    /// Prefix the field path, so a record-level error becomes `people[3].emails[1]`.
    /// (An empty field means "this value": the prefix becomes the whole path.)
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = Some(match self.field.take() {
            Some(f) if f.starts_with('[') => format!("{prefix}{f}"),
            Some(f) if !f.is_empty() => format!("{prefix}.{f}"),
            _ => prefix.to_string(),
        });
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}: {}: {}", self.code, field, self.reason),
            None => write!(f, "{}: {}", self.code, self.reason),
        }
    }
}

impl std::error::Error for Error {}
