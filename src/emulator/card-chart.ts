// The card JSON 2.0 `chart` element as Lark documents it (docs/lark-notes.md "Card charts"): a
// VChart spec in `chart_spec`, one of the 13 documented chart types, with the element's own
// fields checked; a bad one is refused with Lark's 200550 and the path of the element.

export interface ChartError {
  code: number;
  msg: string;
}

const ASPECT = new Set(['1:1', '2:1', '4:3', '16:9']);
const THEMES = new Set(['brand', 'rainbow', 'complementary', 'converse', 'primary']);
const ELEMENT_ID = /^[A-Za-z][A-Za-z0-9_]{0,19}$/;
/** The fields each type needs to draw anything (VChart's own required fields). */
const TYPES: Record<string, readonly (readonly string[])[]> = {
  line: [['xField'], ['yField']],
  area: [['xField'], ['yField']],
  bar: [['xField'], ['yField']],
  scatter: [['xField'], ['yField']],
  pie: [['categoryField'], ['valueField']],
  funnel: [['categoryField'], ['valueField']],
  radar: [['categoryField'], ['valueField']],
  wordCloud: [['nameField'], ['valueField']],
  linearProgress: [['xField', 'valueField'], ['yField', 'categoryField']],
  circularProgress: [['valueField'], ['categoryField']],
  common: [],
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function dataProblem(data: unknown, where: string): string | null {
  const sets = Array.isArray(data) ? data : [data];
  if (sets.length === 0) return `${where}data is empty`;
  for (const s of sets) {
    if (!isObj(s) || !Array.isArray(s.values)) return `${where}data needs values: [...] (or a list of {id, values})`;
    if (s.values.some((v) => !isObj(v))) return `${where}data.values must be objects`;
  }
  return null;
}

function specProblem(spec: unknown, where = ''): string | null {
  if (!isObj(spec)) return `${where}chart_spec must be an object`;
  const type = spec.type;
  if (typeof type !== 'string' || !(type in TYPES)) return `${where}type "${String(type)}" is not a chart type cards draw (${Object.keys(TYPES).join(', ')})`;
  if (type === 'common') {
    if (!Array.isArray(spec.series) || spec.series.length === 0) return `${where}a common chart needs series: [...]`;
    if (spec.data !== undefined) {
      const p = dataProblem(spec.data, where);
      if (p) return p;
    }
    for (const [i, s] of spec.series.entries()) {
      if (!isObj(s)) return `${where}series[${i}] must be an object`;
      // A series of a combined chart reads the chart's data (by dataId/dataIndex) or its own.
      const p = specProblem({ ...s, data: s.data ?? spec.data ?? { values: [] } }, `${where}series[${i}].`);
      if (p) return p;
    }
    return null;
  }
  for (const alternatives of TYPES[type]!) {
    if (!alternatives.some((f) => typeof spec[f] === 'string' || (Array.isArray(spec[f]) && (spec[f] as unknown[]).every((x) => typeof x === 'string')))) {
      return `${where}${type} needs ${alternatives.join(' or ')}`;
    }
  }
  return dataProblem(spec.data, where);
}

function elementProblem(el: Obj, ids: Set<string>): string | null {
  if (el.chart_spec === undefined) return 'chart_spec is required';
  if (el.element_id !== undefined) {
    if (typeof el.element_id !== 'string' || !ELEMENT_ID.test(el.element_id)) return 'element_id: letters, digits and _, starting with a letter, at most 20';
    if (ids.has(el.element_id)) return `element_id "${el.element_id}" is not unique in the card`;
    ids.add(el.element_id);
  }
  if (el.aspect_ratio !== undefined && !ASPECT.has(String(el.aspect_ratio))) return `aspect_ratio "${String(el.aspect_ratio)}" is not 1:1, 2:1, 4:3 or 16:9`;
  if (el.color_theme !== undefined && !THEMES.has(String(el.color_theme))) return `color_theme "${String(el.color_theme)}" is not a theme`;
  if (el.preview !== undefined && typeof el.preview !== 'boolean') return 'preview must be true or false';
  if (el.height !== undefined) {
    const m = /^(\d{1,3})px$/.exec(String(el.height));
    if (el.height !== 'auto' && (!m || Number(m[1]) < 1)) return `height "${String(el.height)}" is not auto or 1–999px`;
  }
  return specProblem(el.chart_spec);
}

/** The first chart element of a JSON 2.0 card body that Lark would refuse, as Lark words it. */
export function validateCharts(elements: unknown[]): ChartError | undefined {
  const ids = new Set<string>();
  let found: ChartError | undefined;
  const visit = (v: unknown, path: string): void => {
    if (found) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, `${path} -> [${i}]`));
      return;
    }
    if (!isObj(v)) return;
    if (v.tag === 'chart') {
      const p = elementProblem(v, ids);
      if (p) {
        found = {
          code: 200550,
          msg: `Failed to create card content, ext=ErrCode: 200550; ErrPath: ${path}(tag: chart); ErrMsg: chart spec is invalid; ErrorValue: ${p}`,
        };
      }
      return;
    }
    for (const [k, val] of Object.entries(v)) if (typeof val === 'object' && val !== null) visit(val, `${path} -> ${k}`);
  };
  elements.forEach((x, i) => visit(x, `ROOT -> elements -> [${i}]`));
  return found;
}
