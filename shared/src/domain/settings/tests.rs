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
    assert_eq!(err(json!({"colour": "red"})), "colour");
}

#[test]
fn partial_updates_keep_omitted_fields_and_null_clears() {
    let full = SettingsUpdate::parse(&json!({
        "timezone": "America/New_York", "cold_after_days": 5,
        "quiet_hours": {"start": "21:00", "end": "08:00"},
        "callback_caller_id": "(512) 555-0000", "min_call_seconds": 90,
        "recipients": [{"user_id": "u-7", "name": "Sam", "email": "sam@example.com", "phone": "+15125550199", "channels": ["in_app", "email", "sms"]}]
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
