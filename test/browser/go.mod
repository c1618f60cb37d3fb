module github.com/bmpstream/bmpstream/test/browser

go 1.26.8

require (
	github.com/bmpstream/bmpstream v0.0.0
	github.com/chromedp/chromedp v0.24.0
)

require (
	github.com/chromedp/cdproto v0.160.1 // indirect
	github.com/gaissmai/bart v0.26.1 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/golang/glog v1.2.5 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

replace github.com/bmpstream/bmpstream => ../..
