// A little progressive enhancement; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so screen-reader and keyboard users hear what went wrong.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
  // Ask before a destructive action (withdraw a unit, end a stay, decline an offer).
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // The language switch applies on change; its button stays for use without scripts.
  const language = document.getElementById("language-switch");
  if (language) language.addEventListener("change", () => language.form.submit());
});
