package files

import (
	"bytes"
	"encoding/json"
	"errors"
)

// UnmarshalStrict decodes the JSON document data into v like json.Unmarshal, but refuses a field
// that v does not have and anything after the document: in the project's own files (model,
// checkpoint, options) such a field is a mistake or tampering, never data to ignore.
func UnmarshalStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the end of the JSON document")
	}
	return nil
}
