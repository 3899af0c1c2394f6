// The one OpenGL include of attnscope. Mesa/GLVND export every core 3.3 entry point, so no loader
// library is needed: prototypes come from glext.h and link against OpenGL::GL. Only files under
// app/gfx/ (and the ImGui OpenGL3 backend, which force-includes this header) may include it.
#pragma once

#ifndef GL_GLEXT_PROTOTYPES
#define GL_GLEXT_PROTOTYPES 1
#endif
#include <GL/gl.h>
#include <GL/glext.h>
