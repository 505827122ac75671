package upstream

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// DoJSON sends req, expects a 2xx JSON answer and decodes it into v (which
// may be nil for answers without a body, such as 204).
func (c *Client) DoJSON(req *http.Request, v any) error {
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	b, err := ReadBody(resp)
	if err != nil {
		return &Error{Service: c.display, Kind: ErrUnreadable, Reason: c.display + " sent an unreadable answer.", Err: err}
	}
	if v == nil || len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return &Error{Service: c.display, Kind: ErrUnreadable, Err: fmt.Errorf("decode %s answer: %w", c.name, err)}
	}
	return nil
}
