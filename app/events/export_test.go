package events

// Subscribe adds a client without a stream, for benchmarks; it returns the
// client's message channel.
func Subscribe(h *Hub, userID int64, admin bool) <-chan []byte {
	c, _ := h.subscribe(userID, admin, nil)
	return c.msgs
}
