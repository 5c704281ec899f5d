/*
 * The reader's language where the server cannot write it: plotly's locale (month and
 * weekday names of date axes, the modebar), the date picker's month caption and weekday
 * header (react-dates draws them with moment's English names), and AG Grid's pager and
 * menus (dashGridOptions.getLocaleText -> dashAgGridFunctions.loanflowLocaleText).
 * The words come from the vocabulary package (vocabulary/browser.py) through the
 * "lang-locales" store; the shell's clientside callback calls loanflowApplyLanguage.
 */
(function () {
    var current = {lang: "en", grid: {}, short_weekdays: [], month_caption: ""};
    var MONTHS = ["January", "February", "March", "April", "May", "June", "July",
                  "August", "September", "October", "November", "December"];

    function registerPlotly(locale) {
        if (!window.Plotly || !locale.plotly) { return false; }
        window.Plotly.register(locale.plotly);
        window.Plotly.setPlotConfig({locale: locale.plotly_locale});
        return true;
    }

    function applyPlotly(locale) {
        if (!locale.plotly) {
            if (window.Plotly) { window.Plotly.setPlotConfig({locale: "en"}); }
            return;
        }
        if (!registerPlotly(locale)) {
            var tries = 0;
            var timer = setInterval(function () {
                tries += 1;
                if (registerPlotly(locale) || tries > 100) { clearInterval(timer); }
            }, 100);
        }
    }

    function rewriteCalendars(root) {
        if (current.lang === "en") { return; }
        (root.querySelectorAll ? root : document).querySelectorAll(
            ".CalendarMonth_caption strong").forEach(function (node) {
            var parts = node.textContent.trim().split(" ");
            var month = MONTHS.indexOf(parts[0]);
            if (parts.length === 2 && month >= 0) {
                node.textContent = current.month_caption
                    .replace("{year}", parts[1]).replace("{month}", String(month + 1));
            }
        });
        document.querySelectorAll("[class*='screenReaderMessage']").forEach(function (node) {
            var words = (current.screen_reader || {})[node.textContent.trim()];
            if (words) { node.textContent = words; }
        });
        document.querySelectorAll(".DayPicker_weekHeader_ul").forEach(function (row) {
            row.querySelectorAll("small").forEach(function (cell, i) {
                var name = current.short_weekdays[i];
                if (name && cell.textContent !== name) { cell.textContent = name; }
            });
        });
    }

    // Register the chosen locale the moment plotly.js arrives (dcc.Graph loads it lazily),
    // before it draws the first chart, so that chart's toolbar and dates are in it too.
    var plotlyModule;
    try {
        Object.defineProperty(window, "Plotly", {
            configurable: true,
            get: function () { return plotlyModule; },
            set: function (value) {
                plotlyModule = value;
                if (value && current.plotly) { registerPlotly(current); }
            }
        });
    } catch (e) { /* Plotly already defined: applyPlotly's polling registers it */ }

    window.loanflowApplyLanguage = function (lang, locales) {
        var locale = (locales || {})[lang];
        if (!locale) { return; }
        current = locale;
        document.documentElement.lang = lang;
        applyPlotly(locale);
        rewriteCalendars(document);
    };

    // The language before any callback runs: the URL's ?lang=, else the one remembered
    // (dcc.Store "lang-store" in localStorage), with the words the server sent along
    // (/_loanflow/locales.js), so the first grid and chart are already in it.
    function initialLanguage() {
        var asked = new URLSearchParams(window.location.search).get("lang");
        if (asked) { return asked; }
        try { return JSON.parse(window.localStorage.getItem("lang-store")) || "en"; }
        catch (e) { return "en"; }
    }
    if (window.loanflowLocales) {
        window.loanflowApplyLanguage(initialLanguage(), window.loanflowLocales);
    }

    window.dashAgGridFunctions = window.dashAgGridFunctions || {};
    window.dashAgGridFunctions.loanflowLocaleText = function (params) {
        var text = current.grid[params.key];
        if (!text) { return params.defaultValue; }
        (params.variableValues || []).forEach(function (value, i) {
            text = text.replace("${variable}", value);
        });
        return text;
    };

    new MutationObserver(function (mutations) {
        if (current.lang === "en") { return; }
        for (var i = 0; i < mutations.length; i++) {
            var target = mutations[i].target;
            if (target.closest && target.closest(".DayPicker, .SingleDatePicker, .DateRangePicker")) {
                rewriteCalendars(document);
                return;
            }
            var added = mutations[i].addedNodes;
            for (var j = 0; j < added.length; j++) {
                if (added[j].querySelector &&
                    added[j].querySelector(".DayPicker, .CalendarMonth, [class*='screenReaderMessage']")) {
                    rewriteCalendars(document);
                    return;
                }
            }
        }
    }).observe(document.documentElement, {childList: true, subtree: true});
})();
