use super::*;
use proptest::prelude::*;

#[test]
fn contract_spellings_normalise_to_one_value() {
    for raw in [
        "(512) 555-0100",
        "512.555.0100",
        "+1 512 555 0100",
        "5125550100",
        "1-512-555-0100",
        "+15125550100",
    ] {
        assert_eq!(
            PhoneNumber::parse(raw).unwrap().as_str(),
            "+15125550100",
            "{raw}"
        );
    }
}

#[test]
fn a_stored_number_reads_back_by_its_shape_alone() {
    let p = PhoneNumber::parse("(512) 555-0100").unwrap();
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(json, "\"+15125550100\"");
    assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), p);
    for corrupt in [
        "\"5125550100\"",
        "\"+0125550100\"",
        "\"+1512\"",
        "\"+1 512 555 0100\"",
        "\"\"",
    ] {
        assert!(
            serde_json::from_str::<PhoneNumber>(corrupt).is_err(),
            "{corrupt}"
        );
    }
}

#[test]
fn junk_is_rejected() {
    for raw in ["", "   ", "hello", "123", "+1 512 555", "555-0100"] {
        assert!(PhoneNumber::parse(raw).is_err(), "{raw:?} accepted");
    }
}

#[test]
fn debug_and_mask_hide_the_number() {
    let p = PhoneNumber::parse("(512) 555-0100").unwrap();
    assert_eq!(p.masked(), "+*******0100");
    assert!(!format!("{p:?}").contains("5125550100"));
}

/// The library's own numbering plan, whole: the `metadata.bin` its compilation read. rustc's
/// dep-info for the linked rlibphonenumber (`rlibphonenumber-<hash>.d`, beside this test
/// binary in `target/<profile>/deps/`) names every file that compilation included, so the file
/// is found without running cargo: `cargo metadata` resolves every platform's dependencies and,
/// offline, fails on a machine whose cargo cache holds only this host's.
fn library_plan() -> PhoneMetadataCollection {
    let file = library_metadata_file();
    let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    PhoneMetadataCollection::decode(&*bytes).unwrap()
}

/// The newest rlibphonenumber dep-info in this test binary's folder that names an existing
/// `metadata.bin` (an older one may outlive an upgrade of the library).
fn library_metadata_file() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    let mut found = Vec::new();
    for entry in std::fs::read_dir(deps).unwrap().flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("rlibphonenumber-") && name.ends_with(".d")) {
            continue;
        }
        let Ok(dep_info) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        // One `path:` line per file read; make escapes a space in a path as `\ `.
        let metadata = dep_info
            .lines()
            .filter_map(|line| line.strip_suffix(':'))
            .map(|path| std::path::PathBuf::from(path.replace("\\ ", " ")))
            .find(|path| path.ends_with("src/generated/metadata/metadata.bin"));
        if let (Some(path), Ok(meta)) = (metadata, entry.metadata()) {
            if path.is_file() {
                found.push((meta.modified().unwrap(), path));
            }
        }
    }
    found
        .into_iter()
        .max()
        .map(|(_, path)| path)
        .unwrap_or_else(|| {
            panic!(
                "no rlibphonenumber dep-info naming its metadata.bin in {}",
                deps.display()
            )
        })
}

/// A number read by the library as linked (its global instance, over the whole plan compiled
/// into it): what `e164` must always answer.
fn e164_by_library(raw: &str) -> Option<String> {
    let library = &*rlibphonenumber::PHONE_NUMBER_UTIL;
    let parsed = library.parse(raw, Some(Region::US)).ok()?;
    library.is_valid_number(&parsed).then(|| {
        library
            .format(&parsed, PhoneNumberFormat::E164)
            .into_owned()
    })
}

/// A region's metadata without what parsing and validating never read (`NANP_PLAN`).
// The library marks the protobuf's fields deprecated for readers of its own wrappers, which
// empty them; this is the protobuf as decoded, where they hold the data.
#[allow(deprecated)]
fn for_parsing(mut region: rlibphonenumber::PhoneMetadata) -> rlibphonenumber::PhoneMetadata {
    region.number_format.clear();
    region.intl_number_format.clear();
    region.emergency = None;
    region.short_code = None;
    region.carrier_specific = None;
    region.sms_services = None;
    region.standard_rate = None;
    for desc in [
        &mut region.general_desc,
        &mut region.fixed_line,
        &mut region.mobile,
        &mut region.toll_free,
        &mut region.premium_rate,
        &mut region.shared_cost,
        &mut region.personal_number,
        &mut region.voip,
        &mut region.pager,
        &mut region.uan,
        &mut region.voicemail,
        &mut region.no_international_dialling,
    ]
    .into_iter()
    .flatten()
    {
        desc.example_number = None;
    }
    region
}

/// The bundled plan is the linked library's own, trimmed and split at country code 1. Run
/// with `SCL_WRITE_NUMBERING_PLAN=1` after upgrading rlibphonenumber to rewrite the files.
#[test]
fn the_bundled_numbering_plan_is_the_library_s() {
    let (nanp, rest): (Vec<_>, Vec<_>) = library_plan()
        .metadata
        .into_iter()
        .map(for_parsing)
        .partition(|m| m.country_code == Some(1));
    let nanp = PhoneMetadataCollection { metadata: nanp };
    let rest = PhoneMetadataCollection { metadata: rest };
    if std::env::var_os("SCL_WRITE_NUMBERING_PLAN").is_some() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/numbering-plan");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("nanp.pb"), nanp.encode_to_vec()).unwrap();
        std::fs::write(dir.join("rest-of-world.pb"), rest.encode_to_vec()).unwrap();
        return;
    }
    assert_eq!(nanp.metadata.len(), 25, "the NANP's regions");
    assert!(PhoneMetadataCollection::decode(NANP_PLAN).unwrap() == nanp);
    assert!(PhoneMetadataCollection::decode(REST_OF_WORLD_PLAN).unwrap() == rest);
    assert!(NANP.is_some() && WORLD.is_some());
}

#[test]
#[allow(deprecated)] // the decoded protobuf's fields, as in `for_parsing`
fn every_region_s_example_numbers_read_as_the_library_reads_them() {
    let mut checked = 0;
    for region in library_plan().metadata {
        let Some(code) = region.country_code else {
            continue;
        };
        let examples = [
            &region.fixed_line,
            &region.mobile,
            &region.toll_free,
            &region.premium_rate,
            &region.shared_cost,
            &region.personal_number,
            &region.voip,
            &region.pager,
            &region.uan,
            &region.voicemail,
        ]
        .into_iter()
        .flatten()
        .filter_map(|desc| desc.example_number.clone());
        for example in examples {
            for raw in [
                format!("+{code} {example}"),
                example.clone(),
                format!("011{code}{example}"),
            ] {
                assert_eq!(e164(&raw), e164_by_library(&raw), "{} {raw}", region.id);
                checked += 1;
            }
        }
    }
    assert!(checked > 3000, "{checked} spellings");
}

#[test]
fn north_america_first_answers_as_the_whole_world_would() {
    for raw in [
        "(512) 555-0100",
        "+1 416 555 0123",     // Toronto
        "+1 876 555 0123",     // Jamaica, in the NANP
        "1 (800) 555-0199",    // toll free
        "+1 555 555 0100",     // no such area code
        "+44 20 7946 0958",    // London
        "011 44 20 7946 0958", // London dialled from the US
        "+49 30 901820",       // Berlin
        "00 44 20 7946 0958",  // not the US exit code
        "+81 3-1234-5678",     // Tokyo
        "+999 123 456",        // no such country code
        "442079460958",
        "+1 512",
        "abc",
    ] {
        assert_eq!(e164(raw), e164_by_library(raw), "{raw}");
    }
    assert_eq!(e164("+44 20 7946 0958").as_deref(), Some("+442079460958"));
    assert_eq!(e164("+1 555 555 0100"), None);
    assert_eq!(e164("+1 876 927 1234").as_deref(), Some("+18769271234"));
}

// Real US area codes and exchanges, so every generated number is a valid NANP number.
fn us_number() -> impl Strategy<Value = (u16, u16, u16)> {
    (
        proptest::sample::select(vec![212u16, 312, 415, 512, 617, 702, 713, 206, 303, 404]),
        200u16..=999,
        0u16..=9999,
    )
        .prop_filter("N11 exchanges are service codes", |(_, ex, _)| {
            ex % 100 != 11
        })
}

proptest! {
    #[test]
    fn every_spelling_of_a_number_normalises_alike((area, exchange, line) in us_number(), style in 0usize..7) {
        let spelled = match style {
            0 => format!("({area}) {exchange}-{line:04}"),
            1 => format!("{area}.{exchange}.{line:04}"),
            2 => format!("+1 {area} {exchange} {line:04}"),
            3 => format!("{area}{exchange}{line:04}"),
            4 => format!("1-{area}-{exchange}-{line:04}"),
            5 => format!("  {area} {exchange} {line:04} "),
            _ => format!("+1{area}{exchange}{line:04}"),
        };
        let expected = format!("+1{area}{exchange}{line:04}");
        let parsed = PhoneNumber::parse(&spelled);
        prop_assert!(parsed.is_ok(), "{} rejected", spelled);
        let parsed = parsed.unwrap();
        prop_assert_eq!(parsed.as_str(), expected.as_str());
    }

    #[test]
    fn parsing_is_idempotent((area, exchange, line) in us_number()) {
        let once = PhoneNumber::parse(&format!("({area}) {exchange}-{line:04}")).unwrap();
        let twice = PhoneNumber::parse(once.as_str()).unwrap();
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn any_digits_read_as_the_library_reads_them(plus in any::<bool>(), digits in "[0-9]{3,15}") {
        let raw = format!("{}{digits}", if plus { "+" } else { "" });
        prop_assert_eq!(e164(&raw), e164_by_library(&raw), "{}", raw);
    }

    #[test]
    fn arbitrary_text_never_panics(s in ".{0,60}") {
        let _ = PhoneNumber::parse(&s);
    }
}
