// Imaging: the Swift face of libvips (Debian libvips 8.14) for facepipe.
//
//   ImageProbe.probe(_:)            header only: size, format, pages, orientation…
//   ImageValidator.validate(_:)     full decode, failing on truncation
//   Thumbnailer.thumbnail(_:_:)     shrink-on-load thumbnail → stripped WebP/JPEG/PNG
//   DecodedImage(_:)                decode once (≤ 1024 px, upright sRGB; JPEGs shrunk
//                                   in the DCT first), then thumbnails (squareThumbnails
//                                   cascades), regions (face crops), lumaPlane (hash
//                                   inputs), RGB pixels
//   ImageHeader.metadata            the facts that may be stored
//
// libvips starts on first use (`VipsRuntime.start` to configure it). Every
// call is synchronous and CPU-bound: run it off the event loop. Every output
// has all metadata removed (see `Encoder`). No libvips type is public.
