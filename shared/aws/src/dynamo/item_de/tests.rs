use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_dynamo::aws_sdk_dynamodb_1::{from_item as dynamo_from_item, to_item};

use super::*;
use crate::items::{HistoryItem, LeadItem, SettingsItem};
use scl_domain::lead::{Actor, Booking, HistoryAction, HistoryEntry};
use scl_domain::sample::sample_lead;
use scl_domain::settings::TenantSettings;
use scl_domain::status::LeadStatus;

type Item = HashMap<String, AttributeValue>;

/// Both readers on the same item, compared through their JSON.
fn same_as_serde_dynamo<T: Serialize + DeserializeOwned>(item: Item) -> T {
    let ours: T = from_item(item.clone()).unwrap_or_else(|e| panic!("ours: {e}"));
    let theirs: T = dynamo_from_item(item).unwrap_or_else(|e| panic!("serde_dynamo: {e}"));
    assert_eq!(
        serde_json::to_value(&ours).unwrap_or_default(),
        serde_json::to_value(&theirs).unwrap_or_default()
    );
    ours
}

#[test]
fn a_stored_lead_reads_back_as_written_and_as_serde_dynamo_reads_it() {
    let mut lead = sample_lead("+15125550100");
    lead.customer.name = Some("Dana Reyes".into());
    lead.detection.reasons = vec!["The caller asked about price".into()];
    lead.last_actor_id = Some(Actor::System);
    lead.booking = Some(Booking {
        job_id: scl_domain::JobId::parse("job_id", "j-1").unwrap_or_else(|e| panic!("{e:?}")),
        booked_at: lead.created_at,
        booked_by: Some("u-7".into()),
        via_scl: true,
        job_value: scl_domain::money::Money::from_cents(145_050),
    });
    let written = LeadItem::new(&lead, lead.created_at);
    let item = to_item(&written).unwrap_or_default();
    let read: LeadItem = same_as_serde_dynamo(item);
    assert_eq!(
        serde_json::to_value(&read).unwrap_or_default(),
        serde_json::to_value(&written).unwrap_or_default()
    );
    assert_eq!(read.lead.customer.name.as_deref(), Some("Dana Reyes"));
}

#[test]
fn history_settings_and_their_enums_read_as_serde_dynamo_reads_them() {
    let entry = HistoryEntry {
        at: chrono::Utc::now(),
        actor_id: Actor::System,
        actor_name: Some("Sam".into()),
        action: HistoryAction::StatusChanged,
        from_status: Some(LeadStatus::New),
        to_status: Some(LeadStatus::CallBackAttempted),
        reason: None,
        note: Some("left a voicemail".into()),
    };
    let item = to_item(HistoryItem {
        pk: "p".into(),
        sk: "s".into(),
        entity: "history".into(),
        entry,
    })
    .unwrap_or_default();
    let _: HistoryItem = same_as_serde_dynamo(item);
    let item = to_item(SettingsItem {
        pk: "p".into(),
        sk: "s".into(),
        entity: "settings".into(),
        version: 3,
        settings: TenantSettings::default(),
    })
    .unwrap_or_default();
    let read: SettingsItem = same_as_serde_dynamo(item);
    assert_eq!(read.version, 3);
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Shape {
    Unit,
    Newtype(u32),
    Tuple(i64, String),
    Struct { a: bool, b: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Everything {
    text: String,
    small: u8,
    negative: i64,
    big: u64,
    ratio: f64,
    flag: bool,
    maybe: Option<String>,
    #[serde(default)]
    missing: Option<u32>,
    list: Vec<String>,
    shapes: Vec<Shape>,
    by_number: BTreeMap<u32, String>,
    by_name: BTreeMap<String, f64>,
    pair: (u16, char),
    unit: (),
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Unit),
        any::<u32>().prop_map(Shape::Newtype),
        (any::<i64>(), ".{0,8}").prop_map(|(n, s)| Shape::Tuple(n, s)),
        (any::<bool>(), proptest::option::of(".{0,8}")).prop_map(|(a, b)| Shape::Struct { a, b }),
    ]
}

fn everything() -> impl Strategy<Value = Everything> {
    (
        (
            ".{0,20}",
            any::<u8>(),
            any::<i64>(),
            any::<u64>(),
            -1e12f64..1e12,
        ),
        (any::<bool>(), proptest::option::of(".{0,8}")),
        (
            proptest::collection::vec(".{0,8}", 0..4),
            proptest::collection::vec(shape(), 0..4),
            proptest::collection::btree_map(any::<u32>(), ".{0,4}", 0..3),
            proptest::collection::btree_map("[a-z]{1,6}", -1e6f64..1e6, 0..3),
            (any::<u16>(), any::<char>()),
        ),
    )
        .prop_map(
            |(
                (text, small, negative, big, ratio),
                (flag, maybe),
                (list, shapes, by_number, by_name, pair),
            )| {
                Everything {
                    text,
                    small,
                    negative,
                    big,
                    ratio,
                    flag,
                    maybe,
                    missing: None,
                    list,
                    shapes,
                    by_number,
                    by_name,
                    pair,
                    unit: (),
                }
            },
        )
}

proptest! {
    #[test]
    fn every_serde_shape_round_trips_through_serde_dynamos_format(value in everything()) {
        let mut item = to_item(&value).unwrap_or_default();
        item.remove("missing");
        let ours: Everything = from_item(item.clone()).unwrap_or_else(|e| panic!("{e}"));
        let theirs: Everything = dynamo_from_item(item).unwrap_or_else(|e| panic!("{e}"));
        prop_assert_eq!(&ours, &value);
        prop_assert_eq!(&ours, &theirs);
    }
}

#[test]
fn a_wrong_attribute_type_or_number_says_what_was_expected() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Small {
        n: u8,
    }
    let item = |v: AttributeValue| Item::from([("n".to_owned(), v)]);
    let err = from_item::<Small>(item(AttributeValue::S("1".into()))).unwrap_err();
    assert!(err.to_string().contains("expected a number (N)"), "{err}");
    let err = from_item::<Small>(item(AttributeValue::N("300".into()))).unwrap_err();
    assert!(err.to_string().contains("\"300\""), "{err}");
    let err = from_item::<Small>(Item::new()).unwrap_err();
    assert!(err.to_string().contains("missing field `n`"), "{err}");
    assert_eq!(
        from_item::<Small>(item(AttributeValue::N("7".into())))
            .map(|s| s.n)
            .ok(),
        Some(7)
    );
}

#[test]
fn string_and_number_sets_read_as_lists() {
    #[derive(Debug, Deserialize)]
    struct Sets {
        names: Vec<String>,
        counts: Vec<u32>,
    }
    let item = Item::from([
        (
            "names".to_owned(),
            AttributeValue::Ss(vec!["a".into(), "b".into()]),
        ),
        (
            "counts".to_owned(),
            AttributeValue::Ns(vec!["1".into(), "2".into()]),
        ),
    ]);
    let sets: Sets = from_item(item).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sets.names, ["a", "b"]);
    assert_eq!(sets.counts, [1, 2]);
}
