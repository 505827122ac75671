package upstream

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// FlexInt decodes a JSON number, a numeric string ("12"), null or "" into an
// int64. Plex and Overseerr webhooks send numbers both ways.
type FlexInt int64

func (f *FlexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*f = 0
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*f = 0
			return nil
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			*f = FlexInt(n)
			return nil
		}
		fl, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return err
		}
		*f = FlexInt(fl)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	if i, err := n.Int64(); err == nil {
		*f = FlexInt(i)
		return nil
	}
	fl, err := n.Float64()
	if err != nil {
		return err
	}
	*f = FlexInt(fl)
	return nil
}

// FlexFloat decodes a JSON number, a numeric string, null or "" into a float64.
type FlexFloat float64

func (f *FlexFloat) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*f = 0
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if strings.TrimSpace(s) == "" {
			*f = 0
			return nil
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return err
		}
		*f = FlexFloat(v)
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = FlexFloat(v)
	return nil
}

// FlexBool decodes true/false, 0/1, "0"/"1" and "true"/"false".
type FlexBool bool

func (f *FlexBool) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	switch strings.ToLower(s) {
	case "1", "true", "yes":
		*f = true
	default:
		*f = false
	}
	return nil
}

// FlexString decodes a JSON string or a number into a string (rating keys and
// section keys come both ways).
type FlexString string

func (f *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FlexString(s)
		return nil
	}
	*f = FlexString(string(b))
	return nil
}
