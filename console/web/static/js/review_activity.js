// 工作记录: the page is drawn on the server; the live client keeps the header's link state true
// (connected, offline, queued commands) like every other page.
import {start} from "./ui.js";

start(() => {});
