#include "shader.h"

#include <vector>

#include "gl.h"

namespace attnscope::gfx {

namespace {

std::string info_log(GLuint object, bool program) {
    GLint length = 0;
    if (program) {
        glGetProgramiv(object, GL_INFO_LOG_LENGTH, &length);
    } else {
        glGetShaderiv(object, GL_INFO_LOG_LENGTH, &length);
    }
    std::vector<char> log(size_t(length > 1 ? length : 1), '\0');
    if (program) {
        glGetProgramInfoLog(object, length, nullptr, log.data());
    } else {
        glGetShaderInfoLog(object, length, nullptr, log.data());
    }
    return log.data();
}

GLuint compile(GLenum type, const char* source, const std::string& label, std::string* error) {
    GLuint shader = glCreateShader(type);
    glShaderSource(shader, 1, &source, nullptr);
    glCompileShader(shader);
    GLint ok = 0;
    glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        *error = "compiling " + label + (type == GL_VERTEX_SHADER ? " (vertex)" : " (fragment)") +
                 ": " + info_log(shader, false);
        glDeleteShader(shader);
        return 0;
    }
    return shader;
}

}  // namespace

ShaderProgram::~ShaderProgram() {
    if (m_id) glDeleteProgram(m_id);
}

bool ShaderProgram::build(const char* vertex_source, const char* fragment_source,
                          const std::string& label, std::string* error) {
    GLuint vs = compile(GL_VERTEX_SHADER, vertex_source, label, error);
    if (!vs) return false;
    GLuint fs = compile(GL_FRAGMENT_SHADER, fragment_source, label, error);
    if (!fs) {
        glDeleteShader(vs);
        return false;
    }
    GLuint program = glCreateProgram();
    glAttachShader(program, vs);
    glAttachShader(program, fs);
    glLinkProgram(program);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint ok = 0;
    glGetProgramiv(program, GL_LINK_STATUS, &ok);
    if (!ok) {
        *error = "linking " + label + ": " + info_log(program, true);
        glDeleteProgram(program);
        return false;
    }
    if (m_id) glDeleteProgram(m_id);
    m_id = program;
    return true;
}

void ShaderProgram::use() const {
    glUseProgram(m_id);
}

int ShaderProgram::uniform(const char* name) const {
    return glGetUniformLocation(m_id, name);
}

}  // namespace attnscope::gfx
