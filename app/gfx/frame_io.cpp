#include "frame_io.h"

#include <imgui_impl_opengl3.h>
#include <stb_image_write.h>
#include <algorithm>
#include <cmath>

#include "gl.h"
#include "texture.h"

namespace attnscope::gfx {

void begin_frame(int width, int height, ImVec4 c) {
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    glViewport(0, 0, width, height);
    glClearColor(c.x, c.y, c.z, c.w);
    glClear(GL_COLOR_BUFFER_BIT);
}

void finish() {
    glFinish();
}

namespace {

// Reads the bound read framebuffer into a top-down image.
Image read_pixels(int width, int height) {
    Image img;
    img.width = width;
    img.height = height;
    img.rgba.resize(size_t(width) * height * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, img.rgba.data());
    // Targets with an alpha channel keep the blended alpha of translucent windows, which the
    // window on screen never shows: make captures opaque, like the screen (else image viewers
    // and papers show them faded).
    for (size_t i = 3; i < img.rgba.size(); i += 4) img.rgba[i] = 255;
    // GL's origin is bottom-left: flip the rows.
    const size_t row = size_t(width) * 4;
    std::vector<uint8_t> tmp(row);
    for (int y = 0; y < height / 2; ++y) {
        uint8_t* a = img.rgba.data() + size_t(y) * row;
        uint8_t* b = img.rgba.data() + size_t(height - 1 - y) * row;
        std::copy(a, a + row, tmp.data());
        std::copy(b, b + row, a);
        std::copy(tmp.data(), tmp.data() + row, b);
    }
    return img;
}

}  // namespace

Image read_back_buffer(int width, int height) {
    glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
    glReadBuffer(GL_BACK);
    return read_pixels(width, height);
}

bool write_png(const std::string& path, const Image& image, std::string* error) {
    if (image.width <= 0 || image.height <= 0) {
        *error = "nothing to write (empty image)";
        return false;
    }
    if (!stbi_write_png(path.c_str(), image.width, image.height, 4, image.rgba.data(),
                        image.width * 4)) {
        *error = "cannot write " + path;
        return false;
    }
    return true;
}

Image crop(const Image& image, int x0, int y0, int x1, int y1) {
    x0 = std::clamp(x0, 0, image.width);
    x1 = std::clamp(x1, x0, image.width);
    y0 = std::clamp(y0, 0, image.height);
    y1 = std::clamp(y1, y0, image.height);
    Image out;
    out.width = x1 - x0;
    out.height = y1 - y0;
    out.rgba.resize(size_t(out.width) * out.height * 4);
    for (int y = 0; y < out.height; ++y)
        std::copy(image.at(x0, y0 + y), image.at(x0, y0 + y) + size_t(out.width) * 4,
                  out.rgba.data() + size_t(y) * out.width * 4);
    return out;
}

Image render_region(ImDrawData* draw_data, ImVec2 min, ImVec2 max, float scale, ImVec4 c) {
    const ImVec2 o = draw_data->DisplayPos;
    if (scale == 1.0f) {
        // On-screen size: the back buffer itself, so the file holds exactly the pixels the user
        // sees. (Drawing again into an RGBA8 target rounds some blended edges of lines and
        // rotated text differently on llvmpipe, by 1/255.)
        const ImVec2 fbs = draw_data->FramebufferScale;
        const Image screen =
            read_back_buffer(int(std::lround(draw_data->DisplaySize.x * fbs.x)),
                             int(std::lround(draw_data->DisplaySize.y * fbs.y)));
        return crop(screen, int(std::floor((min.x - o.x) * fbs.x)),
                    int(std::floor((min.y - o.y) * fbs.y)), int(std::ceil((max.x - o.x) * fbs.x)),
                    int(std::ceil((max.y - o.y) * fbs.y)));
    }
    const int width = int(std::lround(draw_data->DisplaySize.x * scale));
    const int height = int(std::lround(draw_data->DisplaySize.y * scale));
    RenderTarget target;
    if (!target.ensure_size(width, height)) return {};
    target.bind();
    glClearColor(c.x, c.y, c.z, c.w);
    glClear(GL_COLOR_BUFFER_BIT);
    // The backend sizes its viewport and scissors by FramebufferScale.
    const ImVec2 saved = draw_data->FramebufferScale;
    draw_data->FramebufferScale = ImVec2(scale, scale);
    ImGui_ImplOpenGL3_RenderDrawData(draw_data);
    draw_data->FramebufferScale = saved;
    glBindFramebuffer(GL_READ_FRAMEBUFFER, target.fbo());
    glReadBuffer(GL_COLOR_ATTACHMENT0);
    Image full = read_pixels(width, height);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    return crop(full, int(std::floor((min.x - o.x) * scale)),
                int(std::floor((min.y - o.y) * scale)), int(std::ceil((max.x - o.x) * scale)),
                int(std::ceil((max.y - o.y) * scale)));
}

std::string take_gl_errors() {
    std::string out;
    for (GLenum e = glGetError(); e != GL_NO_ERROR; e = glGetError()) {
        if (!out.empty()) out += ", ";
        switch (e) {
            case GL_INVALID_ENUM:
                out += "GL_INVALID_ENUM";
                break;
            case GL_INVALID_VALUE:
                out += "GL_INVALID_VALUE";
                break;
            case GL_INVALID_OPERATION:
                out += "GL_INVALID_OPERATION";
                break;
            case GL_INVALID_FRAMEBUFFER_OPERATION:
                out += "GL_INVALID_FRAMEBUFFER_OPERATION";
                break;
            case GL_OUT_OF_MEMORY:
                out += "GL_OUT_OF_MEMORY";
                break;
            default:
                out += "GL error " + std::to_string(e);
                break;
        }
        if (out.size() > 200) break;
    }
    return out;
}

std::string renderer_description() {
    const char* renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
    const char* version = reinterpret_cast<const char*>(glGetString(GL_VERSION));
    return std::string(renderer ? renderer : "?") + " / " + (version ? version : "?");
}

}  // namespace attnscope::gfx
