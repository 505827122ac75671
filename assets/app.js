// The MediaNest UI entry point. It asks the API which sign-in methods exist
// and says so; the full interface builds on this module.
const status = document.getElementById("status");

async function main() {
  try {
    const res = await fetch("api/v1/auth/providers", { headers: { Accept: "application/json" } });
    const body = await res.json();
    if (!body.success) throw new Error(body.error.message);
    const p = body.data;
    const ways = [p.plex && "Plex", p.local && "a local account"].filter(Boolean).join(" or ");
    status.textContent = p.setupRequired
      ? "No admin account exists yet: run `medianest user add --admin NAME` on the server."
      : `Sign in with ${ways}.`;
  } catch (err) {
    status.textContent = `MediaNest is running, but the API did not answer: ${err.message}`;
  }
}

main();
