// A linked GLSL program. Compile and link report failures with the driver's info log.
#pragma once

#include <string>

namespace attnscope::gfx {

class ShaderProgram {
  public:
    ShaderProgram() = default;
    ~ShaderProgram();
    ShaderProgram(const ShaderProgram&) = delete;
    ShaderProgram& operator=(const ShaderProgram&) = delete;

    // Compiles and links; on failure returns false and puts the info log into *error (naming
    // `label`, e.g. "heatmap.frag").
    bool build(const char* vertex_source, const char* fragment_source, const std::string& label,
               std::string* error);

    void use() const;
    int uniform(const char* name) const;  // location, -1 if absent
    unsigned id() const { return m_id; }
    bool valid() const { return m_id != 0; }

  private:
    unsigned m_id = 0;
};

}  // namespace attnscope::gfx
