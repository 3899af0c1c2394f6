// Frame-level GL: clearing the window, reading pixels back, writing PNGs, exporting part of the UI
// at a larger scale, GL error and renderer queries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <imgui.h>

namespace attnscope::gfx {

// An RGBA8 image, rows top to bottom.
struct Image {
    int width = 0, height = 0;
    std::vector<uint8_t> rgba;
    const uint8_t* at(int x, int y) const { return rgba.data() + (size_t(y) * width + x) * 4; }
};

// Sets the viewport to the whole window and clears it.
void begin_frame(int framebuffer_width, int framebuffer_height, ImVec4 clear_color);

// Waits until the GPU has finished (for honest frame times).
void finish();

// Reads the back buffer of the default framebuffer (call after rendering, before the swap).
Image read_back_buffer(int width, int height);

// Writes `image` as PNG. False + *error on failure.
bool write_png(const std::string& path, const Image& image, std::string* error);

// Crops [x0, x1) x [y0, y1) (clamped to the image).
Image crop(const Image& image, int x0, int y0, int x1, int y1);

// The part inside [min, max) (UI coordinates) of this frame's UI at `scale` x its on-screen size.
// Scale 1 reads the back buffer (call after rendering, before the swap): the on-screen pixels
// exactly. Other scales render `draw_data` again into an offscreen target `scale` times larger:
// vector shapes are redrawn at the larger size; text is magnified from the font atlas.
Image render_region(ImDrawData* draw_data, ImVec2 min, ImVec2 max, float scale, ImVec4 clear_color);

// Names of the GL errors raised since the last call ("" if none).
std::string take_gl_errors();

// "llvmpipe (LLVM 15.0.6, 256 bits) / 4.5 (Core Profile) Mesa 22.3.6".
std::string renderer_description();

}  // namespace attnscope::gfx
