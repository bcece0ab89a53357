/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  // Tell the server the browser's time zone, so anonymous visitors see local times.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var current = document.cookie.split("; ").find(function (c) { return c.indexOf("portal_tz=") === 0; });
    if (zone && (!current || decodeURIComponent(current.split("=")[1]) !== zone)) {
      document.cookie = "portal_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) { /* old browser: times stay in UTC, labelled as such */ }

  // Submit the language switcher as soon as a language is picked.
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "language-select") {
      event.target.form.submit();
    }
  });
})();
