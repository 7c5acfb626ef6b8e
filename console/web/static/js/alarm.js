// 提醒: a short tone and a flashing title bar for what a duty officer must not miss (a new incident, an
// item overdue, a new dispatch on a phone), a vibration where the device has one; muteable, and the
// choice is kept on this device. Also the night mode switch (dark, low glare), kept the same way.
import {t} from "./ui.js";

const MUTED = "console:muted";
const NIGHT = "console:night";
let audio = null;
let flashTimer = null;
const title = document.title;

export const muted = () => localStorage.getItem(MUTED) === "1";

function tone() {
  window.consoleSounds = (window.consoleSounds || 0) + 1; // how many tones played (operators' debugging, tests)
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const now = audio.currentTime;
    for (const [at, freq] of [[0, 880], [0.25, 660], [0.5, 880]]) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.2, now + at);
      gain.gain.exponentialRampToValueAtTime(0.001, now + at + 0.2);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + at);
      osc.stop(now + at + 0.22);
    }
  } catch (e) {
    /* no audio on this device */
  }
}

function flash(text) {
  clearInterval(flashTimer);
  let on = false;
  document.documentElement.dataset.alarm = text;
  flashTimer = setInterval(() => {
    on = !on;
    document.title = on ? t("title_alarm", {text, title}) : title;
  }, 1000);
  document.title = t("title_alarm", {text, title});
}

function stopFlash() {
  clearInterval(flashTimer);
  flashTimer = null;
  document.title = title;
  delete document.documentElement.dataset.alarm;
}
document.addEventListener("click", stopFlash);
document.addEventListener("keydown", stopFlash);

export function alarm(text) {
  flash(text);
  if (muted()) return;
  tone();
  if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
}

function toggle(button, key, labelOn, labelOff, apply) {
  if (!button) return;
  const show = () => {
    const on = localStorage.getItem(key) === "1";
    button.setAttribute("aria-pressed", String(key === MUTED ? !on : on));
    button.textContent = key === MUTED ? (on ? labelOff : labelOn) : labelOn;
    if (apply) apply(on);
  };
  button.addEventListener("click", () => {
    localStorage.setItem(key, localStorage.getItem(key) === "1" ? "0" : "1");
    if (key === MUTED && !muted()) tone(); // the tap also unlocks audio in the browser
    show();
  });
  show();
}

export function applyNight() {
  document.documentElement.classList.toggle("night", localStorage.getItem(NIGHT) === "1");
}

toggle(document.getElementById("sound-toggle"), MUTED, t("sound_on"), t("sound_off"));
toggle(document.getElementById("night-toggle"), NIGHT, t("night_mode"), t("night_mode"), applyNight);
