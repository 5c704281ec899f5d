/*
 * LoanFlow: stream a chosen file to POST /upload.
 *
 * Each element with class "lf-upload-slot" (dashboard.components.file_chooser) gets a file
 * input (Dash has no html.Input for files), hidden behind a button and the chosen file's
 * name in the page's language (the slot's data-button and data-empty); a file input with class "lf-upload" sends the File itself as the request body (the
 * browser streams it from disk: nothing is read into memory or encoded as base64). Upload
 * progress goes to the Dash component named by data-progress (a dbc.Progress), the
 * server's answer to the dcc.Store named by data-result, through dash_clientside.set_props.
 * Licence: AGPL-3.0-or-later.
 */
(function () {
    "use strict";

    function csrfToken() {
        var meta = document.querySelector('meta[name="csrf-token"]');
        if (meta && meta.content) {
            return meta.content;
        }
        var match = document.cookie.match(/(?:^|;\s*)csrf_token=([^;]+)/);
        return match ? decodeURIComponent(match[1]) : null;
    }

    function setProps(id, props) {
        if (id && window.dash_clientside && window.dash_clientside.set_props) {
            window.dash_clientside.set_props(id, props);
        }
    }

    function upload(input) {
        var file = input.files && input.files[0];
        if (!file) {
            return;
        }
        var progressId = input.getAttribute("data-progress");
        var resultId = input.getAttribute("data-result");
        var started = Date.now();
        setProps(progressId, {value: 0, label: "0%", animated: true, striped: true});
        var xhr = new XMLHttpRequest();
        xhr.open("POST", "/upload?name=" + encodeURIComponent(file.name));
        xhr.setRequestHeader("Content-Type", "application/octet-stream");
        xhr.setRequestHeader("X-Filename", encodeURIComponent(file.name));
        var token = csrfToken();
        if (token) {
            xhr.setRequestHeader("X-CSRFToken", token);
        }
        xhr.upload.onprogress = function (event) {
            if (event.lengthComputable) {
                var pct = Math.floor((100 * event.loaded) / event.total);
                setProps(progressId, {value: pct, label: pct + "%"});
            }
        };
        xhr.onload = function () {
            var answer;
            try {
                answer = JSON.parse(xhr.responseText);
            } catch (err) {
                answer = {error: "HTTP " + xhr.status};
            }
            if (xhr.status !== 200 && !answer.error) {
                answer.error = "HTTP " + xhr.status;
            }
            answer.seconds = (Date.now() - started) / 1000;
            answer.nonce = started;
            setProps(progressId, {value: 100, label: "100%", animated: false, striped: false});
            setProps(resultId, {data: answer});
            input.value = "";
        };
        xhr.onerror = function () {
            setProps(progressId, {value: 0, label: "", animated: false});
            setProps(resultId, {
                data: {
                    error: input.getAttribute("data-network-error") || "The upload failed (network error).",
                    nonce: started
                }
            });
            input.value = "";
        };
        xhr.send(file);
    }

    // The browser's own file input shows its own words ("Choose File", "No file chosen")
    // in the browser's language, not the page's: it is hidden, and a button (a label for
    // the input) and the chosen file's name speak the page's language instead.
    function fillSlots(root) {
        var slots = (root.querySelectorAll ? root : document).querySelectorAll(".lf-upload-slot");
        slots.forEach(function (slot) {
            if (slot.querySelector("input.lf-upload")) {
                return;
            }
            var id = slot.getAttribute("data-input-id") || "";
            var input = document.createElement("input");
            input.type = "file";
            input.className = "lf-upload visually-hidden";
            input.id = id;
            input.accept = slot.getAttribute("data-accept") || "";
            input.setAttribute("data-progress", slot.getAttribute("data-progress") || "");
            input.setAttribute("data-result", slot.getAttribute("data-result") || "");
            input.setAttribute("data-network-error", slot.getAttribute("data-network-error") || "");
            var button = document.createElement("label");
            button.className = "btn btn-outline-secondary btn-sm mb-0 lf-upload-button";
            button.htmlFor = id;
            button.tabIndex = 0;
            button.textContent = slot.getAttribute("data-button") || "";
            button.addEventListener("keydown", function (event) {
                if (event.key === "Enter" || event.key === " ") {
                    event.preventDefault();
                    input.click();
                }
            });
            var name = document.createElement("span");
            name.className = "small text-muted ms-2 lf-upload-name";
            name.textContent = slot.getAttribute("data-empty") || "";
            slot.classList.add("d-flex", "align-items-center");
            slot.appendChild(input);
            slot.appendChild(button);
            slot.appendChild(name);
        });
    }

    new MutationObserver(function () {
        fillSlots(document);
    }).observe(document.documentElement, {childList: true, subtree: true});

    document.addEventListener("change", function (event) {
        var target = event.target;
        if (target && target.classList && target.classList.contains("lf-upload")) {
            var name = target.parentNode && target.parentNode.querySelector(".lf-upload-name");
            if (name && target.files && target.files[0]) {
                name.textContent = target.files[0].name;
            }
            upload(target);
        }
    });
})();
