// The API's shapes (docs/api.md and infra/openapi.yaml), as the console reads them.

export type Tab = "open" | "cold" | "done";

export type LeadStatus =
  | "new"
  | "call_back_attempted"
  | "not_able_to_save"
  | "not_following_up"
  | "not_a_lead"
  | "booked_by_scl"
  | "booked_elsewhere";

/** The statuses a person may set (the two booked ones are applied by bookings only). */
export const MANUAL_STATUSES: readonly LeadStatus[] = [
  "new",
  "call_back_attempted",
  "not_able_to_save",
  "not_following_up",
  "not_a_lead",
];

/** The labels the API gives (`status_label`), ServiceTitan's words. */
export const STATUS_LABELS: Record<LeadStatus, string> = {
  new: "New",
  call_back_attempted: "Lead - Call Back Attempted",
  not_able_to_save: "Lead - Not able to save",
  not_following_up: "Lead - Not following up",
  not_a_lead: "Reviewed - Not a Lead",
  booked_by_scl: "Job booked by SCL",
  booked_elsewhere: "Job booked elsewhere",
};

/** The statuses each tab lists (the `status` filter must live in the tab). */
export const TAB_STATUSES: Record<Tab, readonly LeadStatus[]> = {
  open: ["new", "call_back_attempted"],
  cold: ["new", "call_back_attempted"],
  done: ["not_able_to_save", "not_following_up", "not_a_lead", "booked_by_scl", "booked_elsewhere"],
};

export interface Customer {
  phone: string;
  name: string | null;
  customer_id: string | null;
  location_id: string | null;
}

export interface CallInfo {
  call_id: string;
  started_at: string;
  ended_at: string;
  duration_seconds: number;
  call_reason?: string | null;
  agent_id?: string | null;
  agent_name?: string | null;
  csr_notes?: string | null;
  recording_url?: string | null;
}

export interface Booking {
  job_id: string;
  booked_at: string;
  booked_by?: string | null;
  via_scl: boolean;
  job_value?: string | null;
}

export interface Lead {
  id: string;
  status: LeadStatus;
  status_label: string;
  tab: Tab;
  version: number;
  customer: Customer;
  call: CallInfo;
  summary: string;
  summary_is_generated: boolean;
  detection: Detection;
  calls_count: number;
  callback_attempts: number;
  last_activity_at: string;
  created_at: string;
  updated_at: string;
  booking: Booking | null;
}

/** Where one of the detector's reasons was said: characters `[start, end)` of a transcript
 * segment, the call reason or the CSR's notes. */
export interface EvidenceSpan {
  field: "transcript" | "call_reason" | "csr_notes";
  segment_index?: number;
  start: number;
  end: number;
}

export interface Evidence {
  reason: string;
  spans: EvidenceSpan[];
}

export interface Detection {
  score: number;
  reasons: string[];
  /** Detail view only. */
  evidence?: Evidence[];
  model_version?: string;
}

export interface TranscriptSegment {
  speaker: "agent" | "customer";
  start_ms: number;
  text: string;
}

export interface Note {
  id: string;
  author_id: string;
  author_name?: string | null;
  text: string;
  created_at: string;
  copied_to: string[];
}

export interface HistoryEntry {
  at: string;
  actor_id: string;
  actor_name?: string | null;
  action: string;
  from_status?: LeadStatus | null;
  to_status?: LeadStatus | null;
  reason?: string | null;
  note?: string | null;
}

export interface LeadDetail extends Lead {
  transcript: TranscriptSegment[];
  notes: Note[];
  history: HistoryEntry[];
  calls: CallInfo[];
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface SearchMatch {
  segment_index: number;
  speaker: string;
  start_ms: number;
  text: string;
  highlights: [number, number][];
}

export interface CallbackAnswer extends Lead {
  callback?: { caller_id: string; voicemail_callback_number: string | null };
}

export interface BannerAnswer {
  linked: boolean;
  lead?: { id: string; status: LeadStatus; status_label: string; tab: Tab; call_started_at: string; summary: string };
}

export type Channel = "in_app" | "email" | "sms";

export interface Recipient {
  user_id: string;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  channels: Channel[];
}

export interface Settings {
  enabled: boolean;
  after_call_work_minutes: number;
  timezone: string;
  cold_after_days: number;
  quiet_hours: { start: string; end: string } | null;
  callback_caller_id: string | null;
  voicemail_callback_number: string | null;
  min_call_seconds: number;
  detection_strictness: Strictness;
  recipients: Recipient[];
  /** The event sources allowed to speak for the business (set through the API; the form keeps them). */
  event_sources: EventSourceBinding[];
}

export interface EventSourceBinding {
  source: string;
  account?: string;
}

export type Strictness = "lenient" | "balanced" | "strict";

export interface AppNotification {
  id: string;
  lead_id: string;
  title: string;
  body: string;
  created_at: string;
  read_at: string | null;
}

export interface NearMiss {
  call_id: string;
  customer_phone: string;
  started_at: string;
  duration_seconds: number;
  score: number;
  reasons: string[];
  summary: string;
}

export interface ReportSummary {
  from: string;
  to: string;
  timezone: string;
  flagged: number;
  reviewed: number;
  called_back: number;
  booked_by_scl: number;
  booked_elsewhere: number;
  not_a_lead: number;
  not_following_up: number;
  not_able_to_save: number;
  open_now: number;
  cold_now: number;
  conversion_rate: number | null;
  detection_precision: number | null;
  minutes_to_first_action: { median: number | null; p90: number | null };
  revenue_booked_by_scl: string;
  booked_during_wrap_up: number;
  by_csr: { user_id: string; name: string | null; actions: number; called_back: number; booked_by_scl: number; not_a_lead: number }[];
  by_day: { day: string; flagged: number; booked_by_scl: number }[];
}

/** The contract's error body. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}
