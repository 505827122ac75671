package youtube

import (
	"context"
	"errors"

	"medianest/app/apperr"
	"medianest/app/ytdlp"
)

// metadataError is the one place a failed yt-dlp description of a URL
// becomes an API error: a lasting failure (private, removed, unsupported)
// is INVALID_URL with yt-dlp's reason in words a user understands, a
// passing one UPSTREAM_ERROR (yt-dlp could not reach the site); a request
// that ended is passed on as it is.
func metadataError(err error) error {
	if _, ok := apperr.As(err); ok {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	ye, ok := errors.AsType[*ytdlp.Error](err)
	if !ok {
		return apperr.Wrap(apperr.UpstreamError, err, "yt-dlp could not describe this URL; try again later.")
	}
	switch ye.Kind {
	case ytdlp.Permanent, ytdlp.TooLarge:
		return apperr.Wrap(apperr.InvalidURL, err, "%s", ye.Msg)
	case ytdlp.Cancelled:
		return apperr.Wrap(apperr.UpstreamTimeout, err, "yt-dlp took too long to describe this URL; try again later.")
	}
	return apperr.Wrap(apperr.UpstreamError, err, "%s", ye.Msg)
}
