#include "texture.h"

#include <utility>

#include "gl.h"

namespace attnscope::gfx {

// [SECTION] Texture

Texture::~Texture() {
    reset();
}

Texture::Texture(Texture&& other) noexcept
    : m_id(std::exchange(other.m_id, 0)),
      m_width(std::exchange(other.m_width, 0)),
      m_height(std::exchange(other.m_height, 0)) {}

Texture& Texture::operator=(Texture&& other) noexcept {
    if (this != &other) {
        reset();
        m_id = std::exchange(other.m_id, 0);
        m_width = std::exchange(other.m_width, 0);
        m_height = std::exchange(other.m_height, 0);
    }
    return *this;
}

void Texture::reset() {
    if (m_id) glDeleteTextures(1, &m_id);
    m_id = 0;
    m_width = m_height = 0;
}

void Texture::upload_r32f(int width, int height, const float* data) {
    upload(width, height, GL_R32F, GL_RED, data);
}

void Texture::upload_rg32f(int width, int height, const float* data) {
    upload(width, height, GL_RG32F, GL_RG, data);
}

void Texture::upload(int width, int height, int internal_format, unsigned format,
                     const float* data) {
    if (!m_id) glGenTextures(1, &m_id);
    glBindTexture(GL_TEXTURE_2D, m_id);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    if (width != m_width || height != m_height || internal_format != m_format) {
        glTexImage2D(GL_TEXTURE_2D, 0, internal_format, width, height, 0, format, GL_FLOAT, data);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        m_width = width;
        m_height = height;
        m_format = internal_format;
    } else {
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width, height, format, GL_FLOAT, data);
    }
    glBindTexture(GL_TEXTURE_2D, 0);
}

// [SECTION] ValueArray

ValueArray::~ValueArray() {
    if (m_id) glDeleteTextures(1, &m_id);
}

bool ValueArray::ensure_size(int width, int height, int layers) {
    if (m_id && width == m_width && height == m_height && layers == m_layers) return true;
    GLint max_layers = 0;
    glGetIntegerv(GL_MAX_ARRAY_TEXTURE_LAYERS, &max_layers);
    if (layers > max_layers) return false;
    if (!m_id) glGenTextures(1, &m_id);
    glBindTexture(GL_TEXTURE_2D_ARRAY, m_id);
    glTexImage3D(GL_TEXTURE_2D_ARRAY, 0, GL_R32F, width, height, layers, 0, GL_RED, GL_FLOAT,
                 nullptr);
    glTexParameteri(GL_TEXTURE_2D_ARRAY, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D_ARRAY, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D_ARRAY, GL_TEXTURE_MAX_LEVEL, 0);
    glBindTexture(GL_TEXTURE_2D_ARRAY, 0);
    m_width = width;
    m_height = height;
    m_layers = layers;
    return true;
}

void ValueArray::upload_layer(int layer, const float* data) {
    glBindTexture(GL_TEXTURE_2D_ARRAY, m_id);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    glTexSubImage3D(GL_TEXTURE_2D_ARRAY, 0, 0, 0, layer, m_width, m_height, 1, GL_RED, GL_FLOAT,
                    data);
    glBindTexture(GL_TEXTURE_2D_ARRAY, 0);
}

// [SECTION] RenderTarget

RenderTarget::~RenderTarget() {
    reset();
}

RenderTarget::RenderTarget(RenderTarget&& other) noexcept
    : m_texture(std::move(other.m_texture)), m_fbo(std::exchange(other.m_fbo, 0)) {}

RenderTarget& RenderTarget::operator=(RenderTarget&& other) noexcept {
    if (this != &other) {
        reset();
        m_texture = std::move(other.m_texture);
        m_fbo = std::exchange(other.m_fbo, 0);
    }
    return *this;
}

void RenderTarget::reset() {
    if (m_fbo) glDeleteFramebuffers(1, &m_fbo);
    m_fbo = 0;
    m_texture.reset();
}

bool RenderTarget::ensure_size(int width, int height, bool mipmaps) {
    if (m_fbo && width == m_texture.m_width && height == m_texture.m_height && mipmaps == m_mipmaps)
        return true;
    reset();
    m_mipmaps = mipmaps;
    glGenTextures(1, &m_texture.m_id);
    m_texture.m_width = width;
    m_texture.m_height = height;
    glBindTexture(GL_TEXTURE_2D, m_texture.m_id);
    int levels = 1;
    if (mipmaps)
        for (int s = width > height ? width : height; s > 1; s /= 2) ++levels;
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAX_LEVEL, levels - 1);
    for (int level = 0, w = width, h = height; level < levels; ++level) {
        glTexImage2D(GL_TEXTURE_2D, level, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
        w = w > 1 ? w / 2 : 1;
        h = h > 1 ? h / 2 : 1;
    }
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER,
                    mipmaps ? GL_LINEAR_MIPMAP_LINEAR : GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glBindTexture(GL_TEXTURE_2D, 0);

    glGenFramebuffers(1, &m_fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, m_fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, m_texture.m_id, 0);
    const bool complete = glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    return complete;
}

void RenderTarget::bind() const {
    glBindFramebuffer(GL_FRAMEBUFFER, m_fbo);
    glViewport(0, 0, m_texture.m_width, m_texture.m_height);
}

void RenderTarget::update_mipmaps() const {
    if (!m_mipmaps) return;
    glBindTexture(GL_TEXTURE_2D, m_texture.m_id);
    glGenerateMipmap(GL_TEXTURE_2D);
    glBindTexture(GL_TEXTURE_2D, 0);
}

}  // namespace attnscope::gfx
