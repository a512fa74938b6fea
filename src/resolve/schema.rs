//! Field types, per-field comparison settings and the [`Schema`] of a table.

use super::ResolveError;

/// The kind of data a field holds. It selects the normalisation, the graded
/// comparison levels (see [`crate::resolve::compare`]) and the default blocking keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// A full personal or organisation name ("Anna María Smith", "ACME Holdings Ltd").
    Name,
    /// First / given name(s).
    GivenName,
    /// Family name / surname.
    FamilyName,
    /// E-mail address.
    Email,
    /// Telephone number (compared on its digits).
    Phone,
    /// Calendar date (YYYYMMDD, YYYY-MM-DD, DD/MM/YYYY, ...).
    Date,
    /// Street address or an address line (token based).
    Address,
    /// Postal code.
    Postcode,
    /// An identifier typed by people (tax number, SSN, account id).
    Identifier,
    /// Any other text (token based).
    FreeText,
    /// A multi-valued field: a set of short strings (tags, several e-mails, aliases).
    Set,
}

/// Optional comparison settings of one field.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareOptions {
    /// Upper Jaro–Winkler threshold of the graded string levels (default 0.94).
    pub jw_high: f64,
    /// Lower Jaro–Winkler threshold of the graded string levels (default 0.88).
    pub jw_low: f64,
    /// Adjust the Bayes factor of an *exact* agreement by how common the shared value
    /// is (agreeing on "smith" counts less than agreeing on "zuccarello").
    pub term_frequency: bool,
    /// For name parts: the field whose value may have been swapped with this one
    /// (given name written in the family-name field and vice versa). Adds a
    /// "swapped with ..." level.
    pub swap_with: Option<String>,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            jw_high: 0.94,
            jw_low: 0.88,
            term_frequency: false,
            swap_with: None,
        }
    }
}

/// One named, typed field.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldSpec {
    pub name: String,
    pub ty: FieldType,
    pub options: CompareOptions,
}

impl FieldSpec {
    pub fn new(name: &str, ty: FieldType) -> Self {
        FieldSpec {
            name: name.to_string(),
            ty,
            options: CompareOptions::default(),
        }
    }
    /// Enable term-frequency adjustment of exact agreements.
    pub fn with_tf(mut self) -> Self {
        self.options.term_frequency = true;
        self
    }
    /// Declare that values of this field may be swapped with those of `other`.
    pub fn swappable_with(mut self, other: &str) -> Self {
        self.options.swap_with = Some(other.to_string());
        self
    }
    /// Override the Jaro–Winkler thresholds.
    pub fn with_jw(mut self, high: f64, low: f64) -> Self {
        self.options.jw_high = high;
        self.options.jw_low = low;
        self
    }
}

/// The fields of a table, in record order: `record[i]` holds the value of `fields[i]`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Schema {
    pub fields: Vec<FieldSpec>,
}

impl Schema {
    pub fn new(fields: Vec<FieldSpec>) -> Self {
        Schema { fields }
    }
    /// Builder: append a field.
    pub fn field(mut self, spec: FieldSpec) -> Self {
        self.fields.push(spec);
        self
    }
    pub fn len(&self) -> usize {
        self.fields.len()
    }
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
    /// Index of the field called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
    pub(crate) fn require(&self, name: &str) -> Result<usize, ResolveError> {
        self.index_of(name)
            .ok_or_else(|| ResolveError::UnknownField(name.to_string()))
    }

    /// Preset for people: `name` (full name), `email`, `phone`, `org`.
    pub fn person() -> Self {
        Schema::new(vec![
            FieldSpec::new("name", FieldType::Name).with_tf(),
            FieldSpec::new("email", FieldType::Email),
            FieldSpec::new("phone", FieldType::Phone),
            FieldSpec::new("org", FieldType::Name),
        ])
    }

    /// Preset for organisations: `name` and web/e-mail `domain`.
    pub fn organization() -> Self {
        Schema::new(vec![
            FieldSpec::new("name", FieldType::Name).with_tf(),
            FieldSpec::new("domain", FieldType::Identifier),
        ])
    }

    /// Check the schema: unique names, valid swap partners (same family of name types),
    /// sane thresholds, at most [`MAX_FIELDS`] fields.
    pub fn validate(&self) -> Result<(), ResolveError> {
        if self.fields.len() > MAX_FIELDS {
            return Err(ResolveError::InvalidConfig(format!(
                "at most {MAX_FIELDS} fields are supported"
            )));
        }
        for (i, f) in self.fields.iter().enumerate() {
            if self.fields[..i].iter().any(|g| g.name == f.name) {
                return Err(ResolveError::InvalidConfig(format!(
                    "duplicate field name {:?}",
                    f.name
                )));
            }
            let o = &f.options;
            if !(0.0..=1.0).contains(&o.jw_low) || !(0.0..=1.0).contains(&o.jw_high) {
                return Err(ResolveError::InvalidConfig(format!(
                    "field {:?}: Jaro-Winkler thresholds must be within [0, 1]",
                    f.name
                )));
            }
            if let Some(p) = &o.swap_with {
                let j = self.require(p)?;
                if j == i {
                    return Err(ResolveError::InvalidConfig(format!(
                        "field {:?} cannot be swapped with itself",
                        f.name
                    )));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn swap_partner(&self, f: usize) -> Option<usize> {
        self.fields[f]
            .options
            .swap_with
            .as_deref()
            .and_then(|n| self.index_of(n))
    }
}

/// Maximum number of fields in a schema.
pub const MAX_FIELDS: usize = 64;
