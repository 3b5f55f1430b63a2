// The schedule model the rotation engine works on: plain data, already validated (spec.ts parses
// the API's strings into these). Times are milliseconds since the epoch; wall-clock values are
// minutes after local midnight in the schedule's IANA zone.

export type Step = { readonly unit: 'h' | 'd' | 'w'; readonly n: number };

export interface Rotation {
  /** Hours step elapsed time; days and weeks step the local date and keep the handoff on the wall clock. */
  readonly every: Step;
  /** Minutes after local midnight. */
  readonly handoff: number;
  /** The local date of the first shift, YYYY-MM-DD. */
  readonly start: string;
}

export interface Restriction {
  /** ISO weekdays (1 = Monday … 7 = Sunday) the window starts on; null = every day. */
  readonly days: readonly number[] | null;
  /** Minutes after local midnight; `to` ≤ `from` spans midnight (equal: the whole day). */
  readonly from: number;
  readonly to: number;
}

export interface Layer {
  readonly name: string;
  /** Member keys (emails), in turn order. */
  readonly members: readonly string[];
  readonly rotation: Rotation;
  /** Empty: always on. Otherwise the layer only has someone inside one of these windows. */
  readonly restrictions: readonly Restriction[];
}

export interface Override {
  readonly id: number;
  readonly member: string;
  readonly start: number;
  readonly end: number;
  /** Swap this one person; null: `member` is the only one on call in the window. */
  readonly replaces: string | null;
}

export interface ScheduleModel {
  readonly timeZone: string;
  /** Bottom first: a later layer wins where it has someone. */
  readonly layers: readonly Layer[];
  /** Applied in order (later ones win where they overlap). */
  readonly overrides: readonly Override[];
}

/** One stretch of the final result: who is on call from start to end (empty: nobody). */
export interface Segment {
  readonly start: number;
  readonly end: number;
  readonly members: readonly string[];
  /** Members placed there by an override. */
  readonly overridden: readonly string[];
}

/** One person's uninterrupted time on call, as the shifts route lists it. */
export interface Shift {
  readonly member: string;
  readonly start: number;
  readonly end: number;
  readonly override: boolean;
}
