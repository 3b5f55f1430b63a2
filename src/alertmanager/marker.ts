// How Hark finds its own silences at Alertmanager (issue 29): every silence it asks for ends its
// comment with a marker naming this Hark (its HARK_PUBLIC_URL), the incident and the attempt, e.g.
//   Hark incident #42: DiskFull — https://hark.example.com/h5/incidents/42 [hark https://hark.example.com #42 k3j9x0aa]
// The marker is last, so nothing in the title (alert text) can forge or hide it.

export interface Marker {
  readonly instance: string;
  readonly incident: number;
  readonly token: string;
}

export function instanceOf(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '');
}

export function markerText(m: Marker): string {
  return `[hark ${m.instance} #${m.incident} ${m.token}]`;
}

export function parseMarker(comment: string): Marker | null {
  const m = /\[hark (\S+) #([1-9][0-9]{0,15}) ([A-Za-z0-9_-]{1,64})\]$/.exec(comment);
  return m ? { instance: m[1], incident: Number(m[2]), token: m[3] } : null;
}

/** The silence's comment: the incident and its link for people, the marker for Hark. */
export function silenceComment(instance: string, incident: number, title: string, token: string): string {
  const t = title.replace(/\s+/g, ' ').trim();
  const short = t.length > 200 ? `${t.slice(0, 200)}…` : t;
  return `Hark incident #${incident}: ${short} — ${instance}/h5/incidents/${incident} ${markerText({ instance, incident, token })}`;
}
