// Styles for card-html.ts, modelled on the Lark client's card look (light tinted headers with a
// darker title, 8 px radius, 14 px text, button types). Shared by the chat view and the preview.

const HEADERS: Record<string, [bg: string, fg: string]> = {
  blue: ['#e1eaff', '#245bdb'],
  wathet: ['#d9f3fd', '#037eaa'],
  turquoise: ['#d5f6f2', '#078372'],
  green: ['#d9f5d6', '#237b19'],
  yellow: ['#faf1d1', '#8f6a00'],
  orange: ['#feead2', '#b45a00'],
  red: ['#fde2e2', '#c02a26'],
  carmine: ['#fddded', '#b4176d'],
  violet: ['#f8def8', '#962b98'],
  purple: ['#ece2fe', '#6425d0'],
  indigo: ['#e0e4ff', '#2f3ca0'],
  grey: ['#eff0f1', '#1f2329'],
  default: ['#ffffff', '#1f2329'],
};

const TAGS: Record<string, [bg: string, fg: string]> = {
  neutral: ['#eff0f1', '#51565d'],
  blue: ['#e1eaff', '#245bdb'],
  wathet: ['#d9f3fd', '#037eaa'],
  turquoise: ['#d5f6f2', '#078372'],
  lime: ['#eef6c6', '#5b7a00'],
  green: ['#d9f5d6', '#237b19'],
  yellow: ['#faf1d1', '#8f6a00'],
  orange: ['#feead2', '#b45a00'],
  red: ['#fde2e2', '#c02a26'],
  carmine: ['#fddded', '#b4176d'],
  violet: ['#f8def8', '#962b98'],
  purple: ['#ece2fe', '#6425d0'],
  indigo: ['#e0e4ff', '#2f3ca0'],
};

const rules = (prefix: string, table: Record<string, [string, string]>) =>
  Object.entries(table).map(([k, [bg, fg]]) => `${prefix}${k}{background:${bg};color:${fg}}`).join('\n');

export const CARD_CSS = `
.lk-card{background:#fff;border:1px solid #dee0e3;border-radius:8px;overflow:hidden;max-width:600px;
  font:14px/22px -apple-system,BlinkMacSystemFont,"Helvetica Neue","PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1f2329;
  box-shadow:0 1px 2px rgba(31,35,41,.06)}
.lk-head{padding:12px 16px}
.lk-title-row{display:flex;align-items:flex-start;gap:8px;flex-wrap:wrap}
.lk-title{font-size:16px;line-height:24px;font-weight:600;flex:1 1 auto;min-width:0;overflow-wrap:anywhere}
.lk-subtitle{font-size:12px;line-height:20px;opacity:.8;margin-top:2px;overflow-wrap:anywhere}
.lk-tags{display:flex;gap:4px;flex:0 0 auto;margin-top:2px}
.lk-tag{font-size:12px;line-height:20px;padding:0 6px;border-radius:4px;font-weight:500}
${rules('.lk-head-', HEADERS)}
.lk-head-default{border-bottom:1px solid #eff0f1}
${rules('.lk-tag-', TAGS)}
.lk-body{padding:12px 16px;display:flex;flex-direction:column;gap:6px}
.lk-md,.lk-plain,.lk-div-text{overflow-wrap:anywhere;white-space:normal}
.lk-md strong{font-weight:600}
.lk-md-link{color:#245bdb}
.lk-at{color:#245bdb;background:#e1eaff;border-radius:4px;padding:0 2px}
.lk-ts-notation,.lk-ts-small,.lk-ts-x-small{font-size:12px;line-height:20px;color:#646a73}
.lk-ts-heading,.lk-ts-large{font-size:16px;line-height:24px;font-weight:600}
.lk-align-center{text-align:center}.lk-align-right{text-align:right}
.lk-clamp{display:-webkit-box;-webkit-box-orient:vertical;overflow:hidden}
${Array.from({ length: 20 }, (_, i) => `.lk-clamp-${i + 1}{-webkit-line-clamp:${i + 1}}`).join('')}
.lk-fields{display:flex;flex-wrap:wrap;gap:4px 16px}.lk-field{flex:1 1 100%}.lk-field-short{flex:1 1 40%}
.lk-hr{border:0;border-top:1px solid #dee0e3;margin:4px 0;width:100%}
.lk-note{font-size:12px;line-height:20px;color:#646a73}
.lk-cols{display:flex;gap:8px}.lk-cols-flow{flex-wrap:wrap}
.lk-col{flex:1 1 0;min-width:0;display:flex;flex-direction:column;gap:8px}.lk-col-auto{flex:0 0 auto}
.lk-actions{display:flex;gap:8px;flex-wrap:wrap}
.lk-btn{display:inline-flex;align-items:center;justify-content:center;box-sizing:border-box;height:32px;padding:0 15px;
  border-radius:6px;border:1px solid #d0d3d6;background:#fff;color:#1f2329;font:inherit;font-size:14px;cursor:pointer;
  text-decoration:none;white-space:nowrap}
.lk-btn:hover{background:#f2f3f5}
.lk-btn:disabled{opacity:.5;cursor:not-allowed}
.lk-btn-tiny{height:24px;padding:0 7px;font-size:12px}.lk-btn-small{height:28px;padding:0 11px;font-size:14px}
.lk-btn-large{height:40px;padding:0 19px;font-size:16px}.lk-btn-fill{width:100%}
.lk-btn-primary{color:#3370ff;border-color:#3370ff}.lk-btn-primary:hover{background:#f0f4ff}
.lk-btn-danger{color:#f54a45;border-color:#f54a45}.lk-btn-danger:hover{background:#fef1f1}
.lk-btn-primary_filled{background:#3370ff;border-color:#3370ff;color:#fff}.lk-btn-primary_filled:hover{background:#4e83fd}
.lk-btn-danger_filled{background:#f54a45;border-color:#f54a45;color:#fff}.lk-btn-danger_filled:hover{background:#f76964}
.lk-btn-text,.lk-btn-primary_text,.lk-btn-danger_text{border-color:transparent;background:transparent;padding:0 4px}
.lk-btn-primary_text{color:#3370ff}.lk-btn-danger_text{color:#f54a45}
.lk-btn-laser{border:0;color:#fff;background:linear-gradient(90deg,#3370ff,#ab3bff)}
.lk-panel{border:1px solid #dee0e3;border-radius:6px}
.lk-panel-head{padding:6px 12px;cursor:pointer;color:#1f2329;list-style:none}
.lk-panel-head::-webkit-details-marker{display:none}
.lk-panel-body{padding:0 12px 10px;display:flex;flex-direction:column;gap:8px}
.lk-img,.lk-unknown{color:#8f959e;font-size:12px;border:1px dashed #dee0e3;border-radius:4px;padding:4px 8px}
.lk-box{display:flex;flex-direction:column;gap:8px}
.lk-input{width:100%;box-sizing:border-box;height:32px;padding:0 8px;border:1px solid #d0d3d6;border-radius:6px;font:inherit}
.lk-select{width:100%;box-sizing:border-box;height:32px;padding:0 8px;border:1px solid #d0d3d6;border-radius:6px;background:#fff;font:inherit}
.lk-chart{position:relative;width:100%;min-height:120px;display:flex;align-items:center;justify-content:center}
.lk-chart-alt{color:#8f959e;font-size:12px}
.lk-chart canvas{position:absolute;inset:0}
`;
