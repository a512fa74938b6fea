//! Each feature exports one function that really uses its crate on input
//! bytes handed in from outside, so LTO cannot drop the crate's code.
#![allow(clippy::missing_safety_doc)]

#[no_mangle]
pub extern "C" fn alloc(n: usize) -> *mut u8 {
    let mut v = Vec::<u8>::with_capacity(n);
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p
}

fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

#[no_mangle]
pub extern "C" fn baseline(ptr: *const u8, len: usize) -> usize {
    String::from_utf8_lossy(input(ptr, len)).lines().count()
}

#[cfg(feature = "csv-core")]
#[no_mangle]
pub extern "C" fn probe_csv(ptr: *const u8, len: usize) -> usize {
    let mut r = csv_core::Reader::new();
    let mut out = [0u8; 1024];
    let mut data = input(ptr, len);
    let mut n = 0;
    loop {
        let (res, i, _) = r.read_field(data, &mut out);
        data = &data[i..];
        match res {
            csv_core::ReadFieldResult::Field { .. } => n += 1,
            csv_core::ReadFieldResult::End => return n,
            _ => {}
        }
    }
}

#[cfg(feature = "mailparse")]
#[no_mangle]
pub extern "C" fn probe_mailparse(ptr: *const u8, len: usize) -> usize {
    match mailparse::parse_headers(input(ptr, len)) {
        Ok((headers, _)) => headers
            .iter()
            .map(|h| {
                let v = h.get_value();
                mailparse::addrparse(&v).map(|a| a.len()).unwrap_or(0) + v.len()
            })
            .sum(),
        Err(_) => 0,
    }
}

#[cfg(feature = "ical")]
#[no_mangle]
pub extern "C" fn probe_ical(ptr: *const u8, len: usize) -> usize {
    let cal: usize = ical::IcalParser::new(input(ptr, len))
        .filter_map(Result::ok)
        .map(|c| c.events.len())
        .sum();
    let cards = ical::VcardParser::new(input(ptr, len)).filter_map(Result::ok).count();
    cal + cards
}

#[cfg(feature = "calcard")]
#[no_mangle]
pub extern "C" fn probe_calcard(ptr: *const u8, len: usize) -> usize {
    let text = String::from_utf8_lossy(input(ptr, len));
    let mut parser = calcard::Parser::new(&text);
    let mut n = 0;
    loop {
        match parser.entry() {
            calcard::Entry::VCard(_) => n += 1,
            calcard::Entry::ICalendar(_) => n += 2,
            calcard::Entry::Eof => return n,
            _ => n += 1,
        }
    }
}

#[cfg(feature = "uuid-v5")]
#[no_mangle]
pub extern "C" fn probe_uuid_v5(ptr: *const u8, len: usize) -> u8 {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, input(ptr, len)).as_bytes()[0]
}
