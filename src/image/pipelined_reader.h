// Runs a BlobReader (typically the decompressor) on its own thread, a few buffers ahead of the consumer, so that
// inflating one large layer and parsing its tar stream use two cores. Errors are delivered in order, after the bytes
// that preceded them. Destroying the reader stops the producer thread.
#pragma once

#include <memory>

#include "image/source.h"

namespace customs::image {

std::unique_ptr<BlobReader> MakePipelinedReader(std::unique_ptr<BlobReader> inner, std::size_t buffer_size = 1 << 20,
                                                std::size_t buffers = 4);

}  // namespace customs::image
