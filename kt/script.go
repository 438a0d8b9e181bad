package kt

import (
	"context"
)

// PlayScript calls the Lua procedure name with in (sent as "_"-prefixed
// inputs) and returns its output map. A script that fails gives a
// *ServerError (450 ErrLogic, 500, 501 ErrNotImplemented for an unknown
// procedure or a server without scripting).
func (c *Client) PlayScript(ctx context.Context, name string, in map[string][]byte) (map[string][]byte, error) {
	req := newRequest("play_script", "").paramStr("name", name)
	for k, v := range in {
		req.args = append(req.args, rpcArg{ks: "_" + k, vb: v})
	}
	var out map[string][]byte
	err := c.call(ctx, req, false, func(rp *reply) error {
		out = make(map[string][]byte, len(rp.Pairs))
		for _, p := range rp.Pairs {
			if len(p.Key) > 0 && p.Key[0] == '_' {
				out[string(p.Key[1:])] = p.Value
			}
		}
		return nil
	})
	return out, err
}
