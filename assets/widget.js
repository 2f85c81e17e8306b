/*! Relais widget: shows a Relais feed (projects, events or news) in any page.
 * <script src="https://RELAIS/widget.js" data-key="rk_…" data-type="events" data-locale="fr" async></script>
 * Vanilla ES2018, no dependency, nothing loaded from elsewhere; feed text is set with textContent only. */
(function () {
  "use strict";

  var TYPES = ["projects", "events", "news"];
  var PARAMS = ["key", "locale", "organisation", "partner", "project", "axis", "country", "kind", "limit", "upcoming"];
  var RTL = ["ar", "he", "fa", "ur", "ps", "dv", "yi", "ku", "sd", "ug"];
  var TEXT = {
    fr: {
      projects: "Projets", events: "Événements", upcoming: "Événements à venir", news: "Actualités",
      loading: "Chargement…", empty: "Rien à afficher pour le moment.", error: "Le contenu n’a pas pu être chargé."
    },
    en: {
      projects: "Projects", events: "Events", upcoming: "Upcoming events", news: "News",
      loading: "Loading…", empty: "Nothing to show for now.", error: "The content could not be loaded."
    },
    ar: {
      projects: "المشاريع", events: "الفعاليات", upcoming: "الفعاليات القادمة", news: "الأخبار",
      loading: "جارٍ التحميل…", empty: "لا يوجد ما يُعرض حاليًا.", error: "تعذّر تحميل المحتوى."
    }
  };
  var STYLE_ID = "relais-widget-style";
  var CSS = [
    ".relais-widget{box-sizing:border-box;max-inline-size:48rem;margin-block:1rem;padding:1rem 1.25rem;",
    "font-family:var(--relais-font,system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",\"Noto Sans Arabic\",Tahoma,sans-serif);",
    "font-size:1rem;line-height:1.5;text-align:start;color:var(--relais-color,#1f2933);",
    "background:var(--relais-background,#fff);border:1px solid var(--relais-border,#d9dee3);border-radius:var(--relais-radius,8px)}",
    ".relais-widget:lang(ar){line-height:1.7}",
    ".relais-widget article:not(:lang(ar)){line-height:1.5}",
    ".relais-widget *,.relais-widget *::before,.relais-widget *::after{box-sizing:inherit}",
    ".relais-widget .relais-widget__title{margin:0 0 .75rem;font:inherit;font-size:1.25rem;font-weight:700;line-height:1.3;color:inherit}",
    ".relais-widget .relais-widget__list{list-style:none;margin:0;padding:0}",
    ".relais-widget .relais-widget__item{margin:0;padding-block:.75rem;border-block-start:1px solid var(--relais-border,#d9dee3)}",
    ".relais-widget .relais-widget__item:first-child{padding-block-start:0;border-block-start:0}",
    ".relais-widget .relais-widget__item:last-child{padding-block-end:0}",
    ".relais-widget article{display:flex;gap:.875rem;align-items:flex-start;margin:0}",
    ".relais-widget .relais-widget__body{flex:1 1 auto;min-inline-size:0}",
    ".relais-widget .relais-widget__image{flex:0 0 auto;inline-size:6rem;block-size:4rem;object-fit:cover;",
    "border-radius:calc(var(--relais-radius,8px) / 2);background:var(--relais-border,#d9dee3)}",
    ".relais-widget .relais-widget__heading{margin:0;font:inherit;font-size:1rem;font-weight:600;line-height:1.4}",
    ".relais-widget a{color:var(--relais-accent,#0b5cad);text-decoration:underline;text-underline-offset:.15em;",
    "text-decoration-thickness:1px;border-radius:2px;transition:text-decoration-thickness .15s}",
    ".relais-widget a:hover{text-decoration-thickness:2px}",
    ".relais-widget a:focus{outline:none}",
    ".relais-widget a:focus-visible{outline:3px solid var(--relais-accent,#0b5cad);outline-offset:2px}",
    ".relais-widget .relais-widget__date{display:block;margin-block-start:.125rem;font-size:.875rem;color:var(--relais-muted,#5f6b7a)}",
    ".relais-widget .relais-widget__summary{margin:.25rem 0 0;overflow:hidden;display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:3}",
    ".relais-widget .relais-widget__status{margin:0;color:var(--relais-muted,#5f6b7a)}",
    ".relais-widget .relais-widget__status:empty{display:none}",
    ".relais-widget[aria-busy=true] .relais-widget__status{animation:relais-widget-pulse 1.2s ease-in-out infinite alternate}",
    "@keyframes relais-widget-pulse{from{opacity:1}to{opacity:.45}}",
    "@media (prefers-reduced-motion:reduce){.relais-widget *{animation:none!important;transition:none!important}}"
  ].join("");

  function findScript() {
    var current = document.currentScript;
    if (current && !current.hasAttribute("data-relais-done")) return current;
    // Without currentScript (older browsers running it async): the last widget script not yet handled.
    var all = document.querySelectorAll('script[src*="widget.js"][data-type]');
    for (var i = all.length - 1; i >= 0; i--) {
      if (!all[i].hasAttribute("data-relais-done")) return all[i];
    }
    return null;
  }

  function text(locale) {
    return TEXT[locale] || TEXT[String(locale).split("-")[0]] || TEXT.fr;
  }

  function isRtl(locale) {
    return RTL.indexOf(String(locale).split("-")[0].toLowerCase()) >= 0;
  }

  /** The URL if it is an absolute http(s) one, else null. */
  function safeUrl(value) {
    if (typeof value !== "string" || !value) return null;
    try {
      var u = new URL(value);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  function el(name, className, content) {
    var e = document.createElement(name);
    if (className) e.className = className;
    if (content != null) e.textContent = content;
    return e;
  }

  function injectStyle(nonce) {
    if (document.getElementById(STYLE_ID)) return;
    var style = el("style");
    style.id = STYLE_ID;
    if (nonce) style.nonce = nonce;
    style.textContent = CSS;
    (document.head || document.documentElement).appendChild(style);
  }

  function freeId() {
    var n = 1;
    while (document.getElementById("relais-widget-" + n + "-title")) n++;
    return "relais-widget-" + n + "-title";
  }

  function formatDate(value, locale) {
    var d = new Date(value);
    if (isNaN(d.getTime())) return null;
    try {
      return new Intl.DateTimeFormat(locale, { year: "numeric", month: "long", day: "numeric" }).format(d);
    } catch (e) {
      return d.toISOString().slice(0, 10);
    }
  }

  function renderItem(item, type, locale, feedLanguage) {
    var li = el("li", "relais-widget__item");
    var article = el("article");
    // An item whose text came from another locale (a fallback) says so, and is laid out its own way.
    if (typeof item.language === "string" && item.language && item.language !== feedLanguage) {
      article.lang = item.language;
      article.dir = isRtl(item.language) ? "rtl" : "ltr";
    }
    var image = safeUrl(item.image);
    if (image) {
      var img = el("img", "relais-widget__image");
      img.alt = "";
      img.loading = "lazy";
      img.decoding = "async";
      img.src = image;
      article.appendChild(img);
    }
    var body = el("div", "relais-widget__body");
    var heading = el("h3", "relais-widget__heading");
    var title = typeof item.title === "string" && item.title ? item.title : String(item.url || "");
    var url = safeUrl(item.url);
    if (url) {
      var a = el("a", null, title);
      a.href = url;
      heading.appendChild(a);
    } else {
      heading.textContent = title;
    }
    body.appendChild(heading);
    if (type === "events" || type === "news") {
      // An event's own date when the feed carries one (a `_relais` extension), else its publication date.
      var ext = item._relais && typeof item._relais === "object" ? item._relais : {};
      var when = ext.starts_at || item.date_published || item.date_modified;
      var shown = when && formatDate(when, locale);
      if (shown) {
        var time = el("time", "relais-widget__date", shown);
        time.dateTime = when;
        body.appendChild(time);
      }
    }
    var summary = item.summary || item.content_text;
    if (typeof summary === "string" && summary.trim()) {
      body.appendChild(el("p", "relais-widget__summary", summary.trim()));
    }
    article.appendChild(body);
    li.appendChild(article);
    return li;
  }

  function start(script) {
    script.setAttribute("data-relais-done", "");
    var data = script.dataset;
    var type = (data.type || "projects").toLowerCase();
    var locale = data.locale || document.documentElement.lang || navigator.language || "fr";
    var t = text(locale);
    var origin;
    try {
      origin = new URL(script.src, location.href).origin;
    } catch (e) {
      origin = location.origin;
    }
    injectStyle(script.nonce || script.getAttribute("nonce"));

    var upcoming = data.upcoming === "1" || data.upcoming === "true";
    var section = el("section", "relais-widget");
    var titleId = freeId();
    section.lang = locale;
    section.dir = isRtl(locale) ? "rtl" : "ltr";
    section.setAttribute("aria-labelledby", titleId);
    section.setAttribute("aria-busy", "true");
    section.setAttribute("data-relais-state", "loading");
    section.setAttribute("data-type", type);
    var h2 = el("h2", "relais-widget__title", data.title || t[type === "events" && upcoming ? "upcoming" : type] || t.projects);
    h2.id = titleId;
    var status = el("p", "relais-widget__status", t.loading);
    status.setAttribute("role", "status");
    section.appendChild(h2);
    section.appendChild(status);

    var target = null;
    if (data.target) {
      try {
        target = document.querySelector(data.target);
      } catch (e) {
        target = null;
      }
    }
    if (target) {
      target.textContent = "";
      target.appendChild(section);
    } else if (script.parentNode && script.parentNode !== document.head && script.parentNode !== document.documentElement) {
      script.parentNode.insertBefore(section, script.nextSibling);
    } else if (document.body) {
      document.body.appendChild(section);
    } else {
      document.addEventListener("DOMContentLoaded", function () {
        document.body.appendChild(section);
      });
    }

    function done(state, message) {
      status.textContent = message || "";
      section.setAttribute("aria-busy", "false");
      section.setAttribute("data-relais-state", state);
    }
    function fail(why) {
      section.setAttribute("data-count", "0");
      done("error", t.error);
      if (window.console && console.warn) console.warn("Relais widget: " + why);
    }

    if (TYPES.indexOf(type) < 0) {
      fail("data-type must be one of " + TYPES.join(", ") + ", not " + JSON.stringify(type));
      return;
    }
    if (data.target && !target) {
      fail("no element matches data-target " + JSON.stringify(data.target) + "; shown after the script instead");
      return;
    }
    var query = new URLSearchParams();
    PARAMS.forEach(function (p) {
      var v = p === "locale" ? locale : data[p];
      if (v != null && v !== "") query.set(p, v);
    });
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, 15000);
    fetch(origin + "/feeds/" + type + ".json?" + query.toString(), {
      mode: "cors",
      credentials: "omit",
      signal: controller ? controller.signal : undefined
    })
      .then(function (r) {
        if (!r.ok) {
          return r.text().then(function (body) {
            var message = "";
            try {
              message = JSON.parse(body).errors[0].message;
            } catch (e) {
              message = body.slice(0, 200);
            }
            throw new Error("the feed answered " + r.status + (message ? ": " + message : ""));
          });
        }
        return r.json();
      })
      .then(function (feed) {
        if (timer) clearTimeout(timer);
        var items = feed && Array.isArray(feed.items) ? feed.items : [];
        var list = el("ul", "relais-widget__list");
        items.forEach(function (item) {
          if (item && typeof item === "object") list.appendChild(renderItem(item, type, locale, feed.language || locale));
        });
        section.setAttribute("data-count", String(list.children.length));
        if (list.children.length) section.insertBefore(list, status);
        done("ready", list.children.length ? "" : t.empty);
      })
      .catch(function (e) {
        if (timer) clearTimeout(timer);
        fail(e && e.message ? e.message : String(e));
      });
  }

  var script = findScript();
  if (script) start(script);
})();
