// The Guichet: sign in, check a countermark, validate it or undo, list the structure's transactions.
// Plain browser JavaScript, no build step. It talks to the API of its own origin only:
// POST /users/signin, GET /users/current, the v2 countermark routes and GET /bookings/pro.
"use strict";

(() => {
  // Deployed, API Gateway serves this page under /<stage>/guichet: the API is the same prefix.
  const API = location.pathname.replace(/\/guichet\/?$/, "");
  const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const LENGTH = 6;
  // Not in the alphabet, and easily typed for one another.
  const LOOKALIKES = new Map([
    ["0", "le chiffre 0 (zéro)"], ["O", "la lettre O"], ["1", "le chiffre 1 (un)"], ["I", "la lettre I"],
  ]);
  const STATUS = { booked: "réservée", used: "validée", cancelled: "annulée", reimbursed: "remboursée" };
  const PAGE_SIZE = 20;
  // Dates are shown in the venue's local time: mainland France.
  const DAY = new Intl.DateTimeFormat("fr-FR", {
    timeZone: "Europe/Paris", day: "2-digit", month: "2-digit", year: "numeric",
  });
  const TIME = new Intl.DateTimeFormat("fr-FR", {
    timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  const EUROS = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });

  const $ = (id) => document.getElementById(id);
  const el = {
    account: $("account"), structureName: $("structure-name"), structurePicker: $("structure-picker"),
    structure: $("structure"), signout: $("signout"), tabs: $("tabs"),
    tabGuichet: $("tab-guichet"), tabTransactions: $("tab-transactions"),
    signinView: $("signin-view"), signinTitle: $("signin-title"), signinNote: $("signin-note"),
    signinForm: $("signin-form"), email: $("email"), password: $("password"), signinAlert: $("signin-alert"),
    guichetView: $("guichet-view"), guichetTitle: $("guichet-title"), checkForm: $("check-form"), code: $("code"),
    codeHint: $("code-hint"), scan: $("scan"), guichetAlert: $("guichet-alert"), guichetStatus: $("guichet-status"),
    result: $("result"), resultTitle: $("result-title"), resultDate: $("result-date"), resultUser: $("result-user"),
    resultQuantity: $("result-quantity"), resultPrice: $("result-price"), resultVenue: $("result-venue"),
    resultState: $("result-state"), use: $("use"), keep: $("keep"),
    scanner: $("scanner"), scannerVideo: $("scanner-video"), scannerClose: $("scanner-close"),
    transactionsView: $("transactions-view"), transactionsTitle: $("transactions-title"),
    refresh: $("refresh"), csv: $("csv"), transactionsAlert: $("transactions-alert"),
    transactionsStatus: $("transactions-status"), rows: $("transactions-rows"), empty: $("transactions-empty"),
    more: $("more"),
  };

  const state = {
    token: null,
    structures: [], // [{siren, name}] where the user is a validated member
    siren: null,
    checked: null, // the code the result and the buttons are about
    resume: null, // what to run again once signed in after an expired session
    cursor: null, // the next page of transactions
    busy: false,
  };

  // -- storage: the tab only ----------------------------------------------------------

  const session = {
    get(key) {
      try { return sessionStorage.getItem("guichet." + key); } catch { return null; }
    },
    set(key, value) {
      try {
        if (value == null) sessionStorage.removeItem("guichet." + key);
        else sessionStorage.setItem("guichet." + key, value);
      } catch { /* private mode: the page still works, for this load */ }
    },
  };

  // -- words ----------------------------------------------------------------------------

  const stamp = (iso) => {
    const date = new Date(iso);
    return `${DAY.format(date)} à ${TIME.format(date)}`;
  };
  const euros = (cents) => EUROS.format((cents || 0) / 100);
  const minutes = (seconds) => {
    const n = Math.max(1, Math.ceil((Number(seconds) || 60) / 60));
    return n === 1 ? "1 minute" : `${n} minutes`;
  };
  const tooMany = (response) => `Trop d'essais, réessayez dans ${minutes(response.headers.get("Retry-After"))}.`;
  const NETWORK = "Le serveur ne répond pas : vérifiez la connexion et réessayez.";
  const serverError = (status) => `Le serveur n'a pas pu répondre (erreur ${status}) : réessayez dans un instant.`;

  function say(region, text) {
    region.textContent = text || "";
  }

  // -- the API ----------------------------------------------------------------------------

  class NetworkError extends Error {}

  async function call(method, path, { body, accept } = {}) {
    const headers = { Accept: accept || "application/json" };
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(API + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store",
      });
    } catch {
      throw new NetworkError(NETWORK);
    }
    return response;
  }

  async function json(response) {
    try { return await response.json(); } catch { return {}; }
  }

  // One place for "the session is over": sign-in comes back, the typed code stays, and
  // `retry` runs once the user is signed in again.
  function expired(retry) {
    state.token = null;
    session.set("token", null);
    state.resume = retry;
    showSignin("Votre session a expiré : reconnectez-vous pour continuer.");
  }

  // Runs `work`, one action at a time; a network failure is said in `region`.
  async function guarded(region, work) {
    if (state.busy) return;
    state.busy = true;
    document.body.setAttribute("aria-busy", "true");
    try {
      await work();
    } catch (error) {
      if (!(error instanceof NetworkError)) console.error(error);
      say(region, error instanceof NetworkError ? error.message : "Une erreur inattendue est survenue.");
    } finally {
      state.busy = false;
      document.body.removeAttribute("aria-busy");
    }
  }

  // -- views ------------------------------------------------------------------------------

  function showSignin(note) {
    el.account.hidden = true;
    el.tabs.hidden = true;
    el.guichetView.hidden = true;
    el.transactionsView.hidden = true;
    el.signinView.hidden = false;
    el.signinNote.hidden = !note;
    el.signinNote.textContent = note || "";
    say(el.signinAlert, "");
    el.password.value = "";
    el.email.value = el.email.value || session.get("email") || "";
    (el.email.value ? el.password : el.email).focus();
  }

  function currentView() {
    return location.hash === "#transactions" ? "transactions" : "guichet";
  }

  function showApp(focusTitle) {
    el.signinView.hidden = true;
    el.account.hidden = false;
    el.tabs.hidden = false;
    const view = currentView();
    el.guichetView.hidden = view !== "guichet";
    el.transactionsView.hidden = view !== "transactions";
    for (const [tab, name] of [[el.tabGuichet, "guichet"], [el.tabTransactions, "transactions"]]) {
      if (view === name) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    }
    if (view === "guichet") {
      if (focusTitle) el.guichetTitle.focus();
      else el.code.focus();
      return Promise.resolve();
    }
    if (focusTitle) el.transactionsTitle.focus();
    return loadTransactions(true);
  }

  window.addEventListener("hashchange", () => {
    if (!state.token) return;
    showApp(true).catch((error) => say(el.transactionsAlert, error instanceof NetworkError ? error.message : NETWORK));
  });

  // -- signing in ---------------------------------------------------------------------------

  el.signinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(el.signinAlert, signin);
  });

  async function signin() {
    const email = el.email.value.trim();
    const password = el.password.value;
    const missing = [!email && "votre adresse e-mail", !password && "votre mot de passe"].filter(Boolean);
    if (missing.length) {
      say(el.signinAlert, `Saisissez ${missing.join(" et ")}.`);
      (email ? el.password : el.email).focus();
      return;
    }
    say(el.signinAlert, "");
    const response = await call("POST", "/users/signin", { body: { email, password } });
    if (response.status === 401) {
      say(el.signinAlert, "Adresse e-mail ou mot de passe incorrect.");
      el.password.focus();
      return;
    }
    if (response.status === 429) return say(el.signinAlert, tooMany(response));
    if (response.status === 400) {
      const errors = (await json(response)).errors || {};
      return say(el.signinAlert, errors.email ? "Cette adresse e-mail n'est pas valide." : "Vérifiez les champs saisis.");
    }
    if (!response.ok) return say(el.signinAlert, serverError(response.status));
    const data = await json(response);
    state.token = data.accessToken;
    session.set("token", state.token);
    session.set("email", email);
    el.password.value = "";
    await loadAccount();
  }

  // The caller's structures (validated memberships), then the page, then what was interrupted.
  async function loadAccount() {
    const response = await call("GET", "/users/current");
    if (response.status === 401) return expired(state.resume);
    if (!response.ok) return showSignin(serverError(response.status));
    const user = await json(response);
    state.structures = (user.memberships || [])
      .filter((m) => m.status === "validated")
      .map((m) => ({ siren: m.siren, name: m.offererName || `SIREN ${m.siren}` }));
    const kept = session.get("siren");
    const chosen = state.structures.find((s) => s.siren === kept) || state.structures[0];
    state.siren = chosen ? chosen.siren : null;
    renderStructures();
    const resume = state.resume;
    state.resume = null;
    await showApp(false);
    if (resume) await resume();
  }

  function renderStructures() {
    el.structure.replaceChildren(
      ...state.structures.map((s) => new Option(`${s.name} (${s.siren})`, s.siren, false, s.siren === state.siren)),
    );
    el.structurePicker.hidden = state.structures.length < 2;
    el.structureName.hidden = state.structures.length > 1;
    el.structureName.textContent = state.structures.length
      ? state.structures[0].name
      : "Aucune structure validée";
  }

  el.structure.addEventListener("change", () => {
    state.siren = el.structure.value;
    session.set("siren", state.siren);
    if (currentView() === "transactions") loadTransactions(true);
  });

  el.signout.addEventListener("click", () => {
    state.token = null;
    state.resume = null;
    session.set("token", null);
    el.code.value = "";
    el.rows.replaceChildren();
    clearResult();
    say(el.guichetAlert, "");
    say(el.guichetStatus, "");
    showSignin("Vous êtes déconnecté.");
  });

  // -- the code field -------------------------------------------------------------------------

  const sentence = (text) => text.charAt(0).toUpperCase() + text.slice(1);
  const list = (items) => (items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} et ${items.at(-1)}`);

  function problems(code) {
    const found = [];
    const lookalikes = [...LOOKALIKES].filter(([ch]) => code.includes(ch)).map(([, words]) => words);
    if (lookalikes.length === 1) {
      found.push(`${sentence(lookalikes[0])} n'existe pas dans les contremarques : relisez ce caractère.`);
    } else if (lookalikes.length) {
      found.push(`${sentence(list(lookalikes))} n'existent pas dans les contremarques : relisez ces caractères.`);
    }
    for (const ch of new Set(code)) {
      if (ALPHABET.includes(ch) || LOOKALIKES.has(ch)) continue;
      if (/\s/.test(ch)) found.push("Une contremarque ne contient pas d'espace.");
      else found.push(`« ${ch} » n'est pas un caractère de contremarque.`);
    }
    if (code.length > LENGTH) {
      found.push(`Une contremarque a ${LENGTH} caractères : vous en avez saisi ${code.length}.`);
    }
    return found;
  }

  el.code.addEventListener("input", () => {
    const raw = el.code.value;
    const value = raw.trim().toUpperCase();
    if (value !== raw) {
      const lead = raw.length - raw.trimStart().length;
      const caret = Math.min(value.length, Math.max(0, (el.code.selectionStart || 0) - lead));
      el.code.value = value;
      el.code.setSelectionRange(caret, caret);
    }
    const found = problems(value);
    el.codeHint.textContent = found.join(" ");
    if (found.length) el.code.setAttribute("aria-invalid", "true");
    else el.code.removeAttribute("aria-invalid");
    if (state.checked && value !== state.checked) {
      clearResult();
      say(el.guichetAlert, "");
      say(el.guichetStatus, "");
    }
  });

  function readyForNext() {
    el.code.focus();
    el.code.select();
  }

  // -- check, use, keep ------------------------------------------------------------------------

  function clearResult() {
    state.checked = null;
    el.result.hidden = true;
    el.use.hidden = true;
    el.keep.hidden = true;
  }

  el.checkForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = el.code.value.trim().toUpperCase();
    guarded(el.guichetAlert, () => check(code, { fresh: true }));
  });

  function refuseLocally(code) {
    if (!code) return "Saisissez la contremarque.";
    const found = problems(code);
    if (found.length) return `Cette contremarque ne peut pas exister. ${found.join(" ")}`;
    if (code.length < LENGTH) {
      return `Contremarque incomplète : une contremarque a ${LENGTH} caractères, vous en avez saisi ${code.length}.`;
    }
    return null;
  }

  async function check(code, { fresh }) {
    clearResult();
    say(el.guichetAlert, "");
    if (fresh) say(el.guichetStatus, "");
    const refused = refuseLocally(code);
    if (refused) {
      say(el.guichetAlert, refused);
      return readyForNext();
    }
    const response = await call("GET", `/v2/bookings/token/${encodeURIComponent(code)}`);
    if (response.status === 401) return expired(() => check(code, { fresh }));
    if (!response.ok) return refusal(code, response, "check");
    const booking = await json(response);
    state.checked = code;
    showBooking(booking);
    el.use.hidden = false;
    el.resultTitle.focus();
  }

  function showBooking(booking) {
    el.resultTitle.textContent = booking.offerName || "Offre sans nom";
    el.resultDate.textContent = booking.datetime ? `le ${stamp(booking.datetime)}` : "Sans date (un bien à remettre)";
    el.resultUser.textContent = booking.userName || "—";
    const quantity = Number(booking.quantity) || 1;
    el.resultQuantity.textContent = quantity === 2 ? "2 (duo)" : String(quantity);
    el.resultPrice.textContent = quantity > 1
      ? `${euros(booking.priceCents)} × ${quantity} = ${euros(booking.priceCents * quantity)}`
      : euros(booking.priceCents);
    el.resultVenue.textContent = booking.venueName || "—";
    el.resultState.textContent = "Réservée, à valider";
    el.result.hidden = false;
  }

  el.use.addEventListener("click", () => {
    const code = state.checked;
    if (code) guarded(el.guichetAlert, () => use(code));
  });

  async function use(code) {
    say(el.guichetAlert, "");
    say(el.guichetStatus, "");
    const response = await call("PATCH", `/v2/bookings/use/token/${encodeURIComponent(code)}`);
    if (response.status === 401) return expired(() => use(code));
    if (!response.ok) return refusal(code, response, "use");
    state.checked = code;
    el.resultState.textContent = `Validée le ${stamp(new Date().toISOString())}`;
    el.use.hidden = true;
    el.keep.hidden = false;
    say(el.guichetStatus, `Contremarque ${code} validée.`);
    readyForNext();
  }

  el.keep.addEventListener("click", () => {
    const code = state.checked;
    if (code) guarded(el.guichetAlert, () => keep(code));
  });

  async function keep(code) {
    say(el.guichetAlert, "");
    say(el.guichetStatus, "");
    const response = await call("PATCH", `/v2/bookings/keep/token/${encodeURIComponent(code)}`);
    if (response.status === 401) return expired(() => keep(code));
    if (!response.ok) return refusal(code, response, "keep");
    say(el.guichetStatus, `Validation annulée : la contremarque ${code} peut de nouveau être validée.`);
    await check(code, { fresh: false });
  }

  // A refused call, in words: the API's messages are for ticketing systems, not for cashiers.
  async function refusal(code, response, route) {
    el.result.hidden = true;
    el.use.hidden = true;
    const body = await json(response);
    const first = (key) => (Array.isArray(body[key]) ? body[key][0] : null);
    let text;
    if (response.status === 404) {
      // Another structure's code gets the same answer as an unknown one, by design of the API.
      text = "Contremarque inconnue : vérifiez le code saisi.";
    } else if (response.status === 429) {
      text = tooMany(response);
    } else if (response.status === 409) {
      text = "La réservation vient de changer : vérifiez de nouveau la contremarque.";
    } else if (response.status === 403 && body.beginningDatetime) {
      text = tooEarly(body);
    } else if (response.status === 410 && body.payment) {
      text = route === "keep"
        ? "Cette réservation a déjà été remboursée : sa validation ne peut plus être annulée."
        : "Cette réservation a déjà été validée et remboursée.";
    } else if (response.status === 410 && /annulée/.test(first("booking") || "")) {
      text = "Cette réservation a été annulée : la contremarque n'est plus valable.";
    } else if (response.status === 410 && route === "keep") {
      text = "Cette contremarque n'a pas encore été validée : il n'y a rien à annuler.";
    } else if (response.status === 410) {
      const usedAt = first("usedAt");
      text = usedAt
        ? `Cette contremarque a déjà été validée le ${stamp(usedAt)}.`
        : "Cette contremarque a déjà été validée.";
      state.checked = code;
      el.keep.hidden = false;
    } else {
      text = serverError(response.status);
    }
    say(el.guichetAlert, text);
    if (el.keep.hidden) readyForNext();
    else el.code.focus();
  }

  function tooEarly(body) {
    const beginsAt = Array.isArray(body.beginsAt) ? body.beginsAt[0] : null;
    const hours = Number((/(\d+)\s*h/.exec(String(body.beginningDatetime[0])) || [])[1]) || null;
    if (!beginsAt) {
      return "Trop tôt : l'évènement est encore loin, la contremarque ne peut pas être validée maintenant.";
    }
    let text = `Trop tôt : l'évènement a lieu le ${stamp(beginsAt)}.`;
    if (hours) {
      const from = new Date(new Date(beginsAt).getTime() - hours * 3600 * 1000).toISOString();
      text += ` La contremarque pourra être validée à partir du ${stamp(from)}.`;
    }
    return text;
  }

  // -- the scanner (where the browser reads barcodes) ------------------------------------------

  let scanning = null;

  if ("BarcodeDetector" in window) {
    el.scan.hidden = false;
    el.scan.addEventListener("click", () => startScanner());
    el.scannerClose.addEventListener("click", () => el.scanner.close());
    el.scanner.addEventListener("close", stopScanner);
  }

  function codeFrom(raw) {
    const text = String(raw || "").trim().toUpperCase();
    const tagged = /TOKEN[:=]([A-Z0-9]{6})\b/.exec(text);
    return tagged ? tagged[1] : text;
  }

  async function startScanner() {
    say(el.guichetAlert, "");
    let formats = ["qr_code", "code_128"];
    try {
      const supported = await window.BarcodeDetector.getSupportedFormats();
      formats = formats.filter((f) => supported.includes(f));
    } catch { /* older implementations: try both */ }
    if (!formats.length) return say(el.guichetAlert, "Ce navigateur ne sait pas lire les QR codes : saisissez le code.");
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch {
      return say(el.guichetAlert, "La caméra n'est pas disponible : autorisez-la ou saisissez le code.");
    }
    const detector = new window.BarcodeDetector({ formats });
    scanning = { stream, timer: null };
    el.scannerVideo.srcObject = stream;
    el.scanner.showModal();
    try { await el.scannerVideo.play(); } catch { /* the detector reads frames anyway */ }
    const tick = async () => {
      if (!scanning) return;
      try {
        const found = await detector.detect(el.scannerVideo);
        if (found.length && scanning) {
          el.scanner.close();
          el.code.value = codeFrom(found[0].rawValue);
          el.code.dispatchEvent(new Event("input"));
          el.checkForm.requestSubmit();
          return;
        }
      } catch { /* a frame not ready yet */ }
      if (scanning) scanning.timer = setTimeout(tick, 200);
    };
    tick();
  }

  function stopScanner() {
    if (!scanning) return;
    clearTimeout(scanning.timer);
    scanning.stream.getTracks().forEach((track) => track.stop());
    el.scannerVideo.srcObject = null;
    scanning = null;
    el.code.focus();
  }

  // -- transactions --------------------------------------------------------------------------------

  function transactionsQuery(extra) {
    const query = new URLSearchParams(extra);
    if (state.siren) query.set("siren", state.siren);
    return query.toString();
  }

  // Inside another action (signing in), the list loads as part of it; alone, it is an action.
  function loadTransactions(reset) {
    return state.busy ? transactions(reset) : guarded(el.transactionsAlert, () => transactions(reset));
  }

  async function transactions(reset) {
    say(el.transactionsAlert, "");
    if (reset) state.cursor = null;
    const params = { limit: String(PAGE_SIZE) };
    if (!reset && state.cursor) params.cursor = state.cursor;
    const response = await call("GET", `/bookings/pro?${transactionsQuery(params)}`);
    if (response.status === 401) return expired(() => transactions(reset));
    if (response.status === 429) return say(el.transactionsAlert, tooMany(response));
    if (!response.ok) return say(el.transactionsAlert, serverError(response.status));
    const page = await json(response);
    if (reset) el.rows.replaceChildren();
    for (const item of page.items || []) el.rows.append(row(item));
    state.cursor = page.nextCursor || null;
    el.more.hidden = !state.cursor;
    el.empty.hidden = el.rows.children.length > 0;
    say(el.transactionsStatus, reset ? "" : `${el.rows.children.length} réservations affichées.`);
  }

  function cell(label, ...content) {
    const td = document.createElement("td");
    td.dataset.label = label;
    const inner = document.createElement("span"); // one grid item beside the label on phones
    inner.append(...content);
    td.append(inner);
    return td;
  }

  function row(item) {
    const tr = document.createElement("tr");
    const offer = document.createElement("span");
    offer.className = "offer";
    offer.textContent = item.offerName || "Offre sans nom";
    const when = document.createElement("span");
    when.className = "when";
    when.textContent = item.beginsAt ? `le ${stamp(item.beginsAt)}` : "sans date";
    const status = document.createElement("span");
    status.className = `badge badge-${item.status}`;
    status.textContent = STATUS[item.status] || item.status;
    const token = document.createElement("code");
    token.textContent = item.token;
    tr.append(
      cell("Réservée le", stamp(item.bookedAt)),
      cell("Offre", offer, " ", when),
      cell("Contremarque", token),
      cell("Bénéficiaire", item.userPublicName || "—"),
      cell("Statut", status),
      cell("Montant", euros(item.amountCents)),
    );
    return tr;
  }

  el.more.addEventListener("click", async () => {
    const before = el.rows.children.length;
    await loadTransactions(false);
    const first = el.rows.children[before];
    if (first) {
      first.tabIndex = -1;
      first.focus();
    }
  });
  el.refresh.addEventListener("click", () => loadTransactions(true));

  // The export comes in chunks (X-Next-Cursor); their bytes, in order, are one CSV file.
  el.csv.addEventListener("click", () => guarded(el.transactionsAlert, downloadCsv));

  async function downloadCsv() {
    say(el.transactionsAlert, "");
    const parts = [];
    let filename = "transactions.csv";
    let cursor = null;
    do {
      say(el.transactionsStatus, parts.length ? `Export en cours (partie ${parts.length + 1})…` : "Export en cours…");
      const params = cursor ? { cursor } : {};
      const response = await call("GET", `/bookings/pro?${transactionsQuery(params)}`, { accept: "text/csv" });
      if (response.status === 401) return expired(downloadCsv);
      if (response.status === 429) return say(el.transactionsAlert, tooMany(response));
      if (!response.ok) return say(el.transactionsAlert, serverError(response.status));
      if (!parts.length) {
        const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
        if (named) filename = named[1];
      }
      parts.push(await response.blob()); // bytes, not text: the BOM must stay
      cursor = response.headers.get("X-Next-Cursor");
    } while (cursor);
    const url = URL.createObjectURL(new Blob(parts, { type: "text/csv;charset=utf-8" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = filename;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    say(el.transactionsStatus, `Fichier ${filename} téléchargé.`);
  }

  // -- start ---------------------------------------------------------------------------------------

  state.token = session.get("token");
  if (state.token) {
    state.busy = true;
    loadAccount()
      .catch(() => showSignin(NETWORK))
      .finally(() => { state.busy = false; });
  } else {
    showSignin();
  }
})();
