// Households form: a button to add another empty child row. Without scripts the form has a
// fixed number of rows, and the server shows more after a submit when they are filled.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("add-child");
  const rows = document.querySelectorAll("fieldset.child");
  if (!button || rows.length === 0) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    const all = document.querySelectorAll("fieldset.child");
    const last = all[all.length - 1];
    const index = Number(last.dataset.childRow) + 1;
    const copy = last.cloneNode(true);
    copy.dataset.childRow = String(index);
    copy.querySelector("legend").textContent = `${button.dataset.label} ${index + 1}`;
    copy.querySelectorAll(".field-error").forEach((node) => node.remove());
    copy.querySelectorAll(".invalid").forEach((node) => node.classList.remove("invalid"));
    const rename = (value) => value.replace(/children([.-])\d+([.-])/, `children$1${index}$2`);
    copy.querySelectorAll("[id]").forEach((node) => { node.id = rename(node.id); });
    copy.querySelectorAll("label[for]").forEach((node) => { node.htmlFor = rename(node.htmlFor); });
    copy.querySelectorAll("[aria-describedby]").forEach((node) => {
      node.setAttribute("aria-describedby", rename(node.getAttribute("aria-describedby")));
    });
    copy.querySelectorAll("input, select").forEach((node) => {
      node.name = rename(node.name);
      node.removeAttribute("aria-invalid");
      if (node.type === "checkbox") node.checked = false;
      else node.value = "";
    });
    last.after(copy);
    copy.querySelector("input").focus();
  });
});
