use super::*;
use serde_json::json;

fn err(v: Value) -> String {
    SettingsUpdate::parse(&v).unwrap_err().field
}

#[test]
fn every_field_is_validated_and_named() {
    assert_eq!(err(json!({"timezone": "Mars/Olympus"})), "timezone");
    assert_eq!(err(json!({"cold_after_days": 0})), "cold_after_days");
    assert_eq!(err(json!({"cold_after_days": 15})), "cold_after_days");
    assert_eq!(
        err(json!({"quiet_hours": {"start": "9pm", "end": "08:00"}})),
        "quiet_hours.start"
    );
    assert_eq!(
        err(json!({"quiet_hours": {"start": "21:00", "end": "24:00"}})),
        "quiet_hours.end"
    );
    assert_eq!(
        err(json!({"callback_caller_id": "12"})),
        "callback_caller_id"
    );
    assert_eq!(
        err(json!({"voicemail_callback_number": "x"})),
        "voicemail_callback_number"
    );
    assert_eq!(err(json!({"min_call_seconds": 7200})), "min_call_seconds");
    assert_eq!(
        err(json!({"recipients": [{"user_id": "u-1", "email": "nope", "channels": ["email"]}]})),
        "recipients[0].email"
    );
    assert_eq!(
        err(json!({"recipients": [{"user_id": "u-1", "channels": ["sms"]}]})),
        "recipients[0].phone"
    );
    assert_eq!(
        err(json!({"recipients": [{"user_id": "u-1", "channels": ["pager"]}]})),
        "recipients[0].channels[0]"
    );
    assert_eq!(
        err(json!({"recipients": [{"user_id": "u-1"}, {"user_id": "u-1"}]})),
        "recipients[1].user_id"
    );
    assert_eq!(
        err(json!({"event_sources": [{"source": "phone.platform", "account": "1"}]})),
        "event_sources[0].account"
    );
    assert_eq!(err(json!({"event_sources": null})), "event_sources");
    assert_eq!(err(json!({"colour": "red"})), "colour");
    assert_eq!(err(json!({"enabled": "yes"})), "enabled");
    assert_eq!(err(json!({"enabled": null})), "enabled");
    assert_eq!(
        err(json!({"after_call_work_minutes": 61})),
        "after_call_work_minutes"
    );
    assert_eq!(
        err(json!({"after_call_work_minutes": -1})),
        "after_call_work_minutes"
    );
    assert_eq!(
        err(json!({"after_call_work_minutes": 2.5})),
        "after_call_work_minutes"
    );
    assert_eq!(
        err(json!({"after_call_work_minutes": "5"})),
        "after_call_work_minutes"
    );
}

#[test]
fn a_business_is_on_with_five_minutes_of_wrap_up_until_it_says_otherwise() {
    let defaults = TenantSettings::default();
    assert!(defaults.enabled);
    assert_eq!(defaults.after_call_work_minutes.minutes(), 5);
    // Settings stored before these fields existed read back with the defaults.
    let stored: TenantSettings = serde_json::from_value(json!({"cold_after_days": 4})).unwrap();
    assert!(stored.enabled);
    assert_eq!(stored.after_call_work_minutes, AfterCallWork::DEFAULT);
    let off = SettingsUpdate::parse(&json!({"enabled": false, "after_call_work_minutes": 0}))
        .unwrap()
        .apply(stored);
    assert!(!off.enabled);
    assert_eq!(off.after_call_work_minutes.minutes(), 0);
    let sixty = SettingsUpdate::parse(&json!({"after_call_work_minutes": 60})).unwrap();
    let ended = chrono::DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(
        sixty.apply(off).after_call_work_minutes.decide_at(ended),
        ended + chrono::Duration::hours(1)
    );
}

#[test]
fn partial_updates_keep_omitted_fields_and_null_clears() {
    let full = SettingsUpdate::parse(&json!({
        "timezone": "America/New_York", "cold_after_days": 5,
        "quiet_hours": {"start": "21:00", "end": "08:00"},
        "callback_caller_id": "(512) 555-0000", "min_call_seconds": 90,
        "recipients": [{"user_id": "u-7", "name": "Sam", "email": "sam@example.com", "phone": "+15125550199", "channels": ["in_app", "email", "sms"]}],
        "event_sources": [{"source": "phone.platform", "account": "123456789012"}]
    }))
    .unwrap()
    .apply(TenantSettings::default());
    assert_eq!(
        full.callback_caller_id.as_ref().unwrap().as_str(),
        "+15125550000"
    );
    let after = SettingsUpdate::parse(&json!({"cold_after_days": 7, "quiet_hours": null}))
        .unwrap()
        .apply(full.clone());
    assert_eq!(after.cold_after_days.days(), 7);
    assert_eq!(after.quiet_hours, None);
    assert_eq!(after.timezone, full.timezone);
    assert_eq!(after.recipients, full.recipients);
    assert_eq!(after.event_sources, full.event_sources);
    assert_eq!(after.event_sources.len(), 1);
    assert_eq!(after.min_call_seconds, 90);
}

#[test]
fn a_stored_zone_name_reads_back_by_its_shape_and_a_mangled_one_is_refused() {
    let read = |name: &str| serde_json::from_value::<TimeZoneName>(serde_json::json!(name));
    let chicago = read("America/Chicago").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(chicago.tz().name(), "America/Chicago");
    assert!(read("Etc/GMT+5").is_ok());
    assert!(read("America/Argentina/Buenos_Aires").is_ok());
    assert!(read("").is_err());
    assert!(read("America/Chicago; DROP").is_err());
    // What an administrator sends is checked against the database.
    assert!(TimeZoneName::parse("timezone", "Mars/Olympus_Mons").is_err());
    assert_eq!(
        TimeZoneName::parse("timezone", " america/chicago ").map(|t| t.tz().name().to_owned()),
        Ok("America/Chicago".to_owned())
    );
}

#[test]
fn a_time_of_day_is_exactly_hh_mm_on_a_24_hour_clock() {
    for bad in [
        "21:60", "2a:00", "+1:00", "21-00", "9:00", "21:00 ", "٢١:00",
    ] {
        assert!(TimeOfDay::parse("t", bad).is_err(), "{bad}");
    }
    let t = TimeOfDay::parse("t", "07:05").unwrap();
    assert_eq!(String::from(t), "07:05");
    assert_eq!(
        String::from(TimeOfDay::parse("t", "23:59").unwrap()),
        "23:59"
    );
}
