// 活动记录: the page is drawn on the server; the live client names each incident by its number (XF-…)
// where the record's text holds the incident's id, from the incidents it already knows.
import {live, start} from "./ui.js";

function render() {
  document.querySelectorAll("#activity td[data-incident]").forEach((cell) => {
    const incident = live.state.incidents[cell.dataset.incident];
    if (incident && incident.number && cell.textContent.includes(cell.dataset.incident)) {
      cell.textContent = cell.textContent.split(cell.dataset.incident).join(incident.number);
    }
  });
}

start(render);
