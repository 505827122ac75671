// Package plex holds the typed clients MediaNest uses to talk to plex.tv
// (PIN sign-in, account, server access) and to a Plex Media Server (library
// browsing, search, scans, images).
//
// Both clients sit on an *upstream.Client, which owns timeouts, retries, the
// circuit breaker, metrics and the transport errors. This package adds what only Plex knows: the X-Plex-* identification
// headers, the shapes of Plex's answers (decoded tolerantly, because Plex sends
// the same field as a number in one place and a string in another), and which
// Plex statuses mean something to the user (an expired PIN, a revoked token, a
// library that is not shared with the caller), as *Error values with a
// sentinel Kind. Mapping them to HTTP answers is the caller's business.
//
// Tokens only ever travel in the X-Plex-Token header, never in a URL, so that
// no error message, log line or metric can carry one.
package plex
