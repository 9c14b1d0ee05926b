// Drive the classic web app (built with VITE_API_URL=<server>/classic/api) in headless Chromium
// against a running SecureBank: register, set the UPI PIN, send (with the PIN dialog), request,
// log out, log in. Prints every /classic/api call with its status, then what the bank recorded.
//
//   NODE_PATH=/path/to/node_modules (puppeteer-core; socket.io-client, e.g. the app's own) \
//   APP=http://localhost:5501 API=http://localhost:5500/classic/api node tools/classic_smoke.cjs
// The payee listens over Socket.IO the way the app does (auth: {token}, websocket then polling)
// at the API's origin: the app itself hard-codes http://localhost:5000.
// Exit code 0 when every step saw what it expected.
const puppeteer = require("puppeteer-core");

const APP = process.env.APP || "http://localhost:5501";
const API = process.env.API || "http://localhost:5500/classic/api";
const CHROME = process.env.CHROME || "/usr/bin/chromium";
const stamp = Date.now().toString(36);
const ALICE = { full_name: "Asha Smoke", username: `asha${stamp}`, email: `asha${stamp}@example.in`, password: "S3cure-pass-99" };
const BOB = { full_name: "Bala Smoke", username: `bala${stamp}`, email: `bala${stamp}@example.in`, password: "S3cure-pass-99" };

const failures = [];
const check = (ok, what) => { console.log(`${ok ? "ok  " : "FAIL"} ${what}`); if (!ok) failures.push(what); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(path, { method = "GET", body, token } = {}) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${API}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: await res.json() };
}

async function typeInto(page, selector, text) {
  const el = await page.waitForSelector(selector, { visible: true, timeout: 10000 });
  await el.focus();
  // Clear a controlled input key by key, from its end (React only sees real input events).
  const length = await el.evaluate((e) => { try { e.setSelectionRange(e.value.length, e.value.length); } catch { /* email, number */ } return e.value.length; });
  for (let i = 0; i < length; i++) await el.press("Backspace");
  if (process.env.DEBUG_SMOKE) console.log("cleared", selector, length, JSON.stringify(await el.evaluate((e) => e.value)));
  await el.type(text);
}

async function clickText(page, tag, text) {
  const el = await page.waitForSelector(`${tag}::-p-text(${text})`, { visible: true, timeout: 10000 });
  await el.click();
}

// The app searches on every keystroke and shows whichever answer arrives last, so a shorter
// query's empty answer can land after the full one's (the app's race, not the bank's). Type, let
// the answers settle, then retype the last character alone so the full query answers last.
async function pickPerson(page, person) {
  const selector = 'input[placeholder="Search by name, phone, or UPI ID..."]';
  await typeInto(page, selector, person.username);
  await sleep(1500);
  await page.keyboard.press("Backspace");
  await sleep(1000);
  await page.type(selector, person.username.slice(-1));
  const hit = await page.waitForSelector(`.search-result-item::-p-text(${person.full_name})`, { visible: true, timeout: 10000 });
  await hit.click();
}

async function headerText(page) {
  return page.$eval(".user-menu", (el) => el.innerText).catch(() => "");
}

(async () => {
  const bob = await api("/auth/register", { method: "POST", body: BOB });
  check(bob.status === 201, `register ${BOB.username} through the API (${bob.status})`);

  // The payee listens like the app's NotificationCenter does.
  const { io } = require("socket.io-client");
  const heard = [];
  const socket = io(new URL(API).origin, { auth: { token: bob.body.token }, transports: ["websocket", "polling"] });
  for (const event of ["notification", "balance_update", "fraud_alert", "payment_received"]) {
    socket.on(event, (data) => heard.push({ event, data }));
  }
  await new Promise((resolve) => { socket.on("connect", resolve); setTimeout(resolve, 5000); });
  check(socket.connected, "payee's Socket.IO client connected with auth: {token}");

  const browser = await puppeteer.launch({ executablePath: CHROME, headless: true, args: ["--no-sandbox"] });
  const page = await browser.newPage();
  const calls = [];
  page.on("response", (res) => {
    if (res.url().includes("/classic/api/")) calls.push(`${res.request().method()} ${res.url().split("/classic/api")[1]} -> ${res.status()}`);
  });
  page.on("pageerror", (err) => console.log("page error:", err.message));
  await page.goto(APP, { waitUntil: "networkidle0" });
  await sleep(2500); // the app's own health check decides "demo mode" first

  // Register through the modal.
  await clickText(page, "button", "Login");
  await clickText(page, ".auth-switch button", "Register");
  await typeInto(page, 'input[placeholder="Full Name"]', ALICE.full_name);
  await typeInto(page, 'input[placeholder="Username"]', ALICE.username);
  await typeInto(page, 'input[placeholder="Email"]', ALICE.email);
  await typeInto(page, 'input[placeholder="Password"]', ALICE.password);
  await clickText(page, "button[type=submit]", "Register");
  await page.waitForSelector(".user-menu", { timeout: 10000 });
  let header = await headerText(page);
  check(header.includes("Asha Smoke") && header.includes("₹10000.00"), `registered, header shows "${header.replace(/\n/g, " ")}"`);
  const token = await page.evaluate(() => localStorage.getItem("securebank_token"));
  check(Boolean(token) && !token.startsWith("demo-"), "a real token is stored (not demo mode)");

  // Set the UPI PIN (Profile, Security PIN).
  await clickText(page, "button.nav-link", "Profile");
  await page.waitForSelector(".tab", { visible: true });
  const tabs = await page.$$(".tab");
  await tabs[1].click();
  await sleep(500);
  const pinInputs = await page.$$('input[placeholder="****"]');
  await pinInputs[0].type("1234");
  await pinInputs[1].type("1234");
  await clickText(page, "button[type=submit]", "Create PIN");
  await sleep(1500);
  const pin = await api("/pin/status", { token });
  check(pin.body.has_pin === true, "PIN set through the Profile screen");

  // Send 250 to Bala: search, pick, amount, Send, PIN dialog.
  await clickText(page, "button.nav-link", "Payments");
  await pickPerson(page, BOB);
  await typeInto(page, "input.amount-input", "250");
  await typeInto(page, 'input[placeholder="Add a note"]', "smoke lunch");
  await sleep(800);
  await clickText(page, "button.btn-send", "Send Money");
  const pinField = await page.waitForSelector("input.pin-input-field", { visible: true, timeout: 10000 });
  await pinField.type("1234");
  await clickText(page, ".pin-modal-actions button.btn-primary", "Confirm Payment");
  await sleep(5000);
  const after = await api("/payments/balance", { token });
  check(after.body.total_balance === 9750, `send: balance after paying 250 is ${after.body.total_balance}`);
  header = await headerText(page);
  check(header.includes("₹9750.00"), `header shows the new balance: "${header.replace(/\n/g, " ")}"`);

  const balanceEvent = heard.find((h) => h.event === "balance_update");
  check(Boolean(balanceEvent) && balanceEvent.data.balance === 10250, `Socket.IO balance_update.balance is the number ${balanceEvent && balanceEvent.data.balance}`);
  // Request 75 from Bala (the app has switched to the dashboard after the payment's animation).
  await page.waitForSelector("button.nav-link.active::-p-text(Dashboard)", { timeout: 15000 });
  await clickText(page, "button.nav-link", "Payments");
  await clickText(page, ".tab", "Request");
  await pickPerson(page, BOB);
  await typeInto(page, 'input[placeholder="0.00"]', "75");
  await typeInto(page, 'input[placeholder="Why are you requesting?"]', "smoke movie");
  await clickText(page, "button.btn-request", "Request Money");
  await sleep(2000);
  const bobToken = (await api("/auth/login", { method: "POST", body: { username: BOB.username, password: BOB.password } })).body.token;
  const pending = await fetch(`${API.replace("/classic/api", "/api")}/payments/pending`, { headers: { authorization: `Bearer ${bobToken}` } }).then((r) => r.json());
  const incoming = (pending.incoming || []).find((r) => r.note === "smoke movie");
  check(Boolean(incoming) && incoming.amount === "75.00", `request: ${BOB.username} sees an incoming request of ${incoming && incoming.amount}`);

  // Receive: a QR for 120 (Payments, My QR).
  await clickText(page, ".tab", "My QR");
  await typeInto(page, 'input[placeholder="Leave empty for any amount"]', "120");
  await typeInto(page, 'input[placeholder="What\'s this payment for?"]', "smoke qr");
  await clickText(page, "button", "Generate Blockchain QR");
  const qrImg = await page.waitForSelector('img[src^="data:image/png;base64,"]', { timeout: 10000 }).catch(() => null);
  check(Boolean(qrImg), "My QR shows the bank's PNG QR code");

  // Profile: change the full name.
  await clickText(page, "button.nav-link", "Profile");
  await sleep(1000); // the form fills itself from the user after mounting
  await typeInto(page, 'input[placeholder="Enter your full name"]', "Asha Smoke-Test");
  await clickText(page, "button[type=submit]", "Save Changes");
  await sleep(1500);
  const profile = await api("/auth/profile", { token });
  check(profile.body.user.full_name === "Asha Smoke-Test", `profile saved: full_name "${profile.body.user.full_name}"`);

  // A payment reaches the payee as payment_received + balance_update; a money request as a
  // `notification` (money_request.created), which the app lists with its type, title and message.
  await sleep(1000);
  console.log("payee heard:", heard.map((h) => h.event).join(", "));
  const note = heard.find((h) => h.event === "notification");
  check(Boolean(note) && typeof note.data.type === "string" && typeof note.data.title === "string" && typeof note.data.message === "string",
    `Socket.IO notification has type/title/message: ${note && JSON.stringify([note.data.type, note.data.title, note.data.message])}`);

  // Log out, then log in again.
  await clickText(page, "button.btn-logout", "Logout");
  await sleep(1000);
  check((await page.$(".user-menu")) === null, "logged out");
  await clickText(page, "button.btn-login", "Login");
  const toLogin = await page.$(".auth-switch button::-p-text(Login)"); // the modal remembers "Register"
  if (toLogin) await toLogin.click();
  await typeInto(page, 'input[placeholder="Username"]', ALICE.username);
  await typeInto(page, 'input[placeholder="Password"]', ALICE.password);
  await clickText(page, "button[type=submit]", "Login");
  await page.waitForSelector(".user-menu", { timeout: 10000 });
  header = await headerText(page);
  check(header.includes("Asha Smoke-Test") && header.includes("₹9750.00"), `logged in again, header shows "${header.replace(/\n/g, " ")}"`);

  console.log("\ncalls the app made:");
  for (const line of calls) console.log("  " + line);
  socket.close();
  await browser.close();
  process.exit(failures.length ? 1 : 0);
})().catch((err) => { console.error(err); process.exit(2); });
