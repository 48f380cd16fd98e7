// The notices' former module path: functions/request-approval.ts still builds its notice from here. The notice
// itself lives in core/notice.ts; this file goes once no module imports it.
export { buildNotice } from './notice';
