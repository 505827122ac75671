package events

// Subscribe adds a client without a stream, for tests and benchmarks; take
// hands over the messages queued for it since the last call, oldest first.
func Subscribe(h *Hub, userID int64, admin bool) (take func() [][]byte) {
	c, _ := h.subscribe(userID, admin, nil)
	var spare []entry
	return func() [][]byte {
		spare = c.take(spare)
		out := make([][]byte, len(spare))
		for i, e := range spare {
			out[i] = e.msg
		}
		return out
	}
}

// Users is the number of users the hub counts streams for.
func Users(h *Hub) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.byUser)
}
