// Card renderer: `cards/*.json` templates (Lark card JSON 2.0 + json-e) + data → card objects.
// Pure apart from reading the templates once. See cards/README.md for the template contract.
export type { OncallCardSchedule } from './cards.ts';
export type { Card, IncidentView, IncidentStatus, Lang, RenderOptions, Severity } from './types.ts';
export {
  renderHelpCard,
  renderIncidentCard,
  renderIncidentListCard,
  renderLinkCard,
  renderOncallCard,
  renderHandoffCard,
  renderAckReminderCard,
  renderDeclareCard,
  DECLARE_BY_TEAM,
  zonedTimes,
  renderStormCard,
  renderSubscriptionCard,
  renderWelcomeCard,
} from './cards.ts';
export { CardTemplates, DEFAULT_CARDS_DIR, defaultTemplates, TemplateError, useCardsDir } from './templates.ts';
export {
  cardButtonValue,
  parseCardButtonValue,
  takeOverSchedulesIn,
  cardBindingsIn,
  CARD_OPS,
  DURATION_RE,
  SNOOZE_PRESETS,
  type CardButtonValue,
  type CardOp,
} from './button-value.ts';
export { assertValidCard, cardBytes, countComponents, validateCard, MAX_CARD_BYTES, MAX_CARD_COMPONENTS, type CardCheck } from './validate.ts';
export { md, plain, safeUrl, stripInvisible, truncate } from './escape.ts';
export { incidentState } from './context.ts';
export { renderMaintenanceCard, type MaintenanceCardView } from './maintenance.ts';
export { renderReportCard, reportCharts, shortDuration, type ReportCardView } from './insights.ts';
export { renderPersonalWeekCard, onCallText, type PersonalWeekView } from './personal-week.ts';
export { renderWarRoomSummaryCard, type SummaryEntry, type WarRoomSummaryView } from './war-room.ts';
