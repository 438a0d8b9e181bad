package kt_test

import (
	"context"
	"fmt"
	"time"

	"github.com/cockroachdb/errors"

	"github.com/kt-fdw/kt_fdw/kt"
)

func Example() {
	c, err := kt.NewClient(kt.Config{Addr: "127.0.0.1:1978", OpTimeout: time.Second})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	ctx := context.Background()

	if err := c.Set(ctx, "casket.kct", []byte("japan"), []byte("tokyo"), kt.WithXT(3600)); err != nil {
		var ne *kt.NetError
		if errors.As(err, &ne) && ne.Kind == kt.ConnRefused {
			fmt.Println("server down:", err)
		}
		return
	}
	rec, err := c.Get(ctx, "casket.kct", []byte("japan"))
	switch {
	case errors.Is(err, kt.ErrNoRecord):
		fmt.Println("missing")
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Printf("%s expires at %d\n", rec.Value, rec.XT)
	}
}
