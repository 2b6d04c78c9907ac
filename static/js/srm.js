// Small progressive enhancements; every page works without this file.
document.documentElement.classList.replace("no-js", "js");

document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".menu-toggle");
  const menu = document.getElementById("main-nav");
  if (toggle && menu) {
    toggle.addEventListener("click", () => {
      const open = menu.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
  // The language switcher applies on change; its button is only needed without JavaScript.
  document.querySelectorAll("form.language select").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
    select.form.querySelector("button")?.classList.add("visually-hidden");
  });
});
