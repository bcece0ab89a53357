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

  // A first visit: the server did not know the zone, so it showed the host's time and UTC.
  // Add the browser's own as "Your time" (webinars/partials/_times.html has the labels).
  try {
    document.querySelectorAll("[data-webinar-times][data-zone-unknown]").forEach(function (block) {
      showLocalTimes(block, zone);
    });
    // Other times shown in UTC for want of a zone: a label ("ZONE" for its name) and times.
    if (zone && zone !== "UTC") {
      document.querySelectorAll("[data-local-label]").forEach(function (label) {
        label.textContent = label.dataset.localLabel.replace("ZONE", zone);
      });
      document.querySelectorAll("time[data-local]").forEach(function (element) {
        element.textContent = inZone(zone).dateTime(new Date(element.dateTime));
      });
    }
  } catch (e) { /* the host's time and UTC stay */ }

  // Folds (<details class="fold">) show their content on wide screens; where CSS cannot
  // (no ::details-content), open them there instead.
  try {
    if (!(window.CSS && CSS.supports("selector(::details-content)"))) {
      var wide = { "site-menu": "(min-width: 40.01rem)" };
      document.querySelectorAll("details.fold").forEach(function (fold) {
        var query = fold.classList.contains("site-menu") ? wide["site-menu"] : "(min-width: 50.01rem)";
        if (window.matchMedia(query).matches) { fold.open = true; }
      });
    }
  } catch (e) { /* the folds stay closed and open on a tap */ }

  // Submit the language switcher as soon as a language is picked.
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "language-select") {
      event.target.form.submit();
    }
  });

  function showLocalTimes(block, zone) {
    var host = block.dataset.hostZone;
    if (!zone || zone === "UTC") { return; }
    var starts = new Date(block.dataset.startsAt);
    var ends = new Date(block.dataset.endsAt);
    var local = inZone(zone);
    var day = function (moment, name) { return inZone(name).day(moment); };
    var row = block.querySelector("[data-viewer-row]");
    var sameZone = zone === host;
    row.querySelector("dt").textContent =
      (sameZone ? block.dataset.yourAndHost : block.dataset.yourTime).replace("ZONE", zone);
    row.querySelector('[data-part="start"]').textContent = local.dateTime(starts);
    row.querySelector('[data-part="end"]').textContent =
      local.day(ends) !== local.day(starts) ? local.dateTime(ends) : local.time(ends);
    var mine = day(starts, zone);
    var theirs = day(starts, host);
    if (mine !== theirs) {
      var note = row.querySelector("[data-date-differs]");
      note.textContent = mine > theirs ? block.dataset.nextDay : block.dataset.previousDay;
      note.hidden = false;
    }
    row.hidden = false;
    if (sameZone) { block.querySelector("[data-host-row]").hidden = true; }
  }

  // Formatting in a zone, in the page's language: "Thursday 3 December 2026, 15:00".
  function inZone(name) {
    var lang = document.documentElement.lang || undefined;
    var date = new Intl.DateTimeFormat(lang, {
      timeZone: name, weekday: "long", day: "numeric", month: "long", year: "numeric"
    });
    var time = new Intl.DateTimeFormat(lang, {
      timeZone: name, hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    });
    var key = new Intl.DateTimeFormat("en-CA", {  // YYYY-MM-DD, to compare dates
      timeZone: name, year: "numeric", month: "2-digit", day: "2-digit"
    });
    return {
      time: function (moment) { return time.format(moment); },
      dateTime: function (moment) { return date.format(moment) + ", " + time.format(moment); },
      day: function (moment) { return key.format(moment); }
    };
  }
})();
