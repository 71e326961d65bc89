use super::*;
use proptest::prelude::*;

fn any_status() -> impl Strategy<Value = LeadStatus> {
    proptest::sample::select(LeadStatus::ALL.to_vec())
}

fn any_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        any_status().prop_map(Action::SetStatus),
        Just(Action::Dismiss(DismissReason::NotALead)),
        Just(Action::Dismiss(DismissReason::LeadNotFollowingUp)),
        Just(Action::CallBack),
        Just(Action::AddNote),
        Just(Action::AttachCall),
        any::<bool>().prop_map(|via_scl| Action::Booking { via_scl }),
    ]
}

proptest! {
    #[test]
    fn booked_statuses_never_change(current in any_status(), action in any_action()) {
        prop_assume!(current.is_locked());
        match transition(current, action) {
            Ok(Transition::To(_)) | Ok(Transition::NoOp) => prop_assert!(false, "locked lead changed"),
            Ok(Transition::RecordOnly) => {
                let is_booking = matches!(action, Action::Booking { .. });
                prop_assert!(is_booking)
            }
            Err(_) => {}
        }
    }

    #[test]
    fn people_can_never_reach_a_booked_status(current in any_status(), action in any_action()) {
        prop_assume!(!matches!(action, Action::Booking { .. }));
        if let Ok(Transition::To(to)) = transition(current, action) {
            prop_assert!(!to.is_locked());
        }
    }

    #[test]
    fn setting_a_booked_status_is_always_not_settable(current in any_status(), via in any::<bool>()) {
        let target = if via { LeadStatus::BookedByScl } else { LeadStatus::BookedElsewhere };
        prop_assert_eq!(transition(current, Action::SetStatus(target)), Err(TransitionError::StatusNotSettable(target)));
    }

    #[test]
    fn every_manual_status_is_reachable_from_every_unlocked_status(current in any_status(), target in any_status()) {
        prop_assume!(!current.is_locked() && target.is_manual());
        let t = transition(current, Action::SetStatus(target)).unwrap();
        if current == target { prop_assert_eq!(t, Transition::NoOp) } else { prop_assert_eq!(t, Transition::To(target)) }
    }

    #[test]
    fn a_status_lives_in_exactly_one_home_tab_and_tab_filters_agree(status in any_status()) {
        let homes: Vec<Tab> = [Tab::Open, Tab::Done].into_iter().filter(|t| t.holds(status)).collect();
        prop_assert_eq!(homes, vec![status.home_tab()]);
        prop_assert_eq!(Tab::Cold.holds(status), status.is_open());
    }

    #[test]
    fn cold_only_ever_holds_open_statuses(status in any_status(), age_hours in 0i64..1000, days in 1u32..=14) {
        let now = Utc::now();
        let cold_at = ColdAfterDays::new(days).unwrap().cold_at(now - Duration::hours(age_hours));
        let tab = tab_at(status, cold_at, now);
        prop_assert!(tab.holds(status));
        prop_assert_eq!(tab == Tab::Cold, status.is_open() && age_hours >= i64::from(days) * 24);
    }
}

#[test]
fn callback_only_from_open_statuses() {
    assert_eq!(
        transition(LeadStatus::New, Action::CallBack),
        Ok(Transition::To(LeadStatus::CallBackAttempted))
    );
    assert_eq!(
        transition(LeadStatus::CallBackAttempted, Action::CallBack),
        Ok(Transition::To(LeadStatus::CallBackAttempted))
    );
    assert_eq!(
        transition(LeadStatus::NotALead, Action::CallBack),
        Err(TransitionError::NotAllowed(LeadStatus::NotALead))
    );
}

#[test]
fn bookings_decide_by_scl_or_elsewhere() {
    let booked = |s, via_scl| transition(s, Action::Booking { via_scl });
    assert_eq!(
        booked(LeadStatus::New, false),
        Ok(Transition::To(LeadStatus::BookedElsewhere))
    );
    assert_eq!(
        booked(LeadStatus::New, true),
        Ok(Transition::To(LeadStatus::BookedByScl))
    );
    assert_eq!(
        booked(LeadStatus::CallBackAttempted, false),
        Ok(Transition::To(LeadStatus::BookedByScl))
    );
    assert_eq!(
        booked(LeadStatus::NotALead, true),
        Ok(Transition::RecordOnly)
    );
}

#[test]
fn dismissing_into_the_current_status_is_a_no_op() {
    assert_eq!(
        transition(
            LeadStatus::NotALead,
            Action::Dismiss(DismissReason::NotALead)
        ),
        Ok(Transition::NoOp)
    );
    assert_eq!(
        transition(
            LeadStatus::NotAbleToSave,
            Action::Dismiss(DismissReason::NotALead)
        ),
        Err(TransitionError::NotAllowed(LeadStatus::NotAbleToSave))
    );
}

#[test]
fn cold_after_days_bounds() {
    assert!(ColdAfterDays::new(0).is_err());
    assert!(ColdAfterDays::new(15).is_err());
    assert_eq!(ColdAfterDays::new(14).unwrap().days(), 14);
    assert_eq!(ColdAfterDays::default().days(), 3);
}
