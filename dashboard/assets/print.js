/*
 * LoanFlow: print every table whole.
 *
 * On screen a table (an AG Grid with class "lf-grid") scrolls inside a box and draws only
 * the rows in view. Before printing (the Print button or the browser's own print) each such
 * grid switches to AG Grid's print layout, which draws every row at its natural height; after
 * printing it goes back. The print stylesheet (10_app.css) lets the box grow.
 * Licence: AGPL-3.0-or-later.
 */
(function () {
    "use strict";

    function eachGrid(action) {
        var grids = window.dash_ag_grid;
        if (!grids || !grids.getApi) {
            return;
        }
        document.querySelectorAll(".lf-grid").forEach(function (element) {
            var api = null;
            try {
                api = grids.getApi(element.id);
            } catch (err) {
                api = null;
            }
            if (api) {
                action(api);
            }
        });
    }

    function printLayout() {
        document.body.classList.add("lf-printing");
        eachGrid(function (api) { api.setGridOption("domLayout", "print"); });
    }

    function screenLayout() {
        document.body.classList.remove("lf-printing");
        eachGrid(function (api) { api.setGridOption("domLayout", "normal"); });
    }

    window.addEventListener("beforeprint", printLayout);
    window.addEventListener("afterprint", screenLayout);
    window.loanflowPrint = function () {
        // Give the grids a moment to draw every row before the print dialog takes its copy.
        printLayout();
        window.setTimeout(function () { window.print(); }, 250);
    };
})();
