// GL textures and the RGBA8 render targets heatmaps are drawn into. Views see only ImTextureID.
#pragma once

#include <cstdint>

#include <imgui.h>

namespace attnscope::gfx {

// An owned GL texture name (move-only).
class Texture {
  public:
    Texture() = default;
    ~Texture();
    Texture(Texture&& other) noexcept;
    Texture& operator=(Texture&& other) noexcept;
    Texture(const Texture&) = delete;
    Texture& operator=(const Texture&) = delete;

    // A single-channel float texture (GL_R32F), nearest filtering: one texel per matrix cell.
    // `data` is row-major [height][width].
    void upload_r32f(int width, int height, const float* data);
    // A two-channel float texture (GL_RG32F), nearest filtering; `data` is [height][width][2].
    void upload_rg32f(int width, int height, const float* data);

    unsigned id() const { return m_id; }
    int width() const { return m_width; }
    int height() const { return m_height; }
    bool valid() const { return m_id != 0; }
    ImTextureID imgui_id() const {
        return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(m_id));
    }

  private:
    friend class RenderTarget;
    void reset();
    void upload(int width, int height, int internal_format, unsigned format, const float* data);
    unsigned m_id = 0;
    int m_width = 0, m_height = 0;
    int m_format = 0;
};

// A stack of same-size float matrices (GL_TEXTURE_2D_ARRAY, GL_R32F, nearest): one layer per
// head, for the model grid's shader.
class ValueArray {
  public:
    ValueArray() = default;
    ~ValueArray();
    ValueArray(const ValueArray&) = delete;
    ValueArray& operator=(const ValueArray&) = delete;

    // (Re)allocates width x height x layers when the size changes; false if the driver refuses
    // that many layers.
    bool ensure_size(int width, int height, int layers);
    // Uploads one layer, row-major [height][width].
    void upload_layer(int layer, const float* data);

    unsigned id() const { return m_id; }

  private:
    unsigned m_id = 0;
    int m_width = 0, m_height = 0, m_layers = 0;
};

// An RGBA8 texture with a framebuffer object to draw into; mipmapped so that large heatmaps shrink
// into thumbnails without aliasing, nearest filtering when magnified so cells stay crisp.
class RenderTarget {
  public:
    RenderTarget() = default;
    ~RenderTarget();
    RenderTarget(RenderTarget&& other) noexcept;
    RenderTarget& operator=(RenderTarget&& other) noexcept;
    RenderTarget(const RenderTarget&) = delete;
    RenderTarget& operator=(const RenderTarget&) = delete;

    // (Re)allocates when the size changes. Returns false if the framebuffer is incomplete.
    // Without `mipmaps` the texture has one level and nearest filtering (shown 1:1).
    bool ensure_size(int width, int height, bool mipmaps = true);
    // Binds the framebuffer and sets the viewport to the whole target.
    void bind() const;
    // Rebuilds the mipmap chain after drawing.
    void update_mipmaps() const;

    int width() const { return m_texture.width(); }
    int height() const { return m_texture.height(); }
    bool valid() const { return m_fbo != 0; }
    ImTextureID imgui_id() const { return m_texture.imgui_id(); }
    unsigned fbo() const { return m_fbo; }
    unsigned texture_name() const { return m_texture.id(); }

  private:
    void reset();
    Texture m_texture;
    unsigned m_fbo = 0;
    bool m_mipmaps = true;
};

}  // namespace attnscope::gfx
