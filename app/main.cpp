// attnscope: the frame loop. Everything else lives in App (app.h): state, views, captures.
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <cstdio>
#include <string>

#include "app.h"
#include "gfx/frame_io.h"

#ifdef ATTNSCOPE_HAVE_CLI
#include "cli.h"
#endif

namespace {

std::string g_glfw_error;

void on_glfw_error(int code, const char* description) {
    g_glfw_error = description ? description : ("GLFW error " + std::to_string(code));
}

}  // namespace

int main(int argc, char** argv) {
#ifdef ATTNSCOPE_HAVE_CLI
    if (argc > 1 && attnscope_cli_is_subcommand(argv[1])) return attnscope_cli_main(argc, argv);
#endif
    attnscope::app::AppArgs args;
    std::string error;
    if (!attnscope::app::parse_app_args(argc, argv, &args, &error)) {
        std::fprintf(stderr, "attnscope: %s\n%s", error.c_str(), attnscope::app::app_usage());
        return 2;
    }
    if (args.help) {
        std::fputs(attnscope::app::app_usage(), stdout);
        return 0;
    }
    if (args.version) {
        std::puts("attnscope " ATTNSCOPE_VERSION);
        return 0;
    }

    glfwSetErrorCallback(on_glfw_error);
    if (!glfwInit()) {
        std::fprintf(stderr, "attnscope: cannot open a window: %s\n", g_glfw_error.c_str());
        return 1;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    GLFWwindow* window = glfwCreateWindow(args.width, args.height, "attnscope", nullptr, nullptr);
    if (!window) {
        std::fprintf(stderr, "attnscope: cannot create an OpenGL 3.3 window: %s\n",
                     g_glfw_error.c_str());
        glfwTerminate();
        return 1;
    }
    glfwMakeContextCurrent(window);
    glfwSwapInterval(args.scripted() ? 0 : 1);  // scripted runs measure, they do not pace

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 330 core");

    int exit_code = 0;
    {
        attnscope::app::App app(args, [] { glfwPostEmptyEvent(); });
        if (!app.init_graphics(&error)) {
            std::fprintf(stderr, "attnscope: cannot set up OpenGL: %s\n", error.c_str());
            exit_code = 1;
        }
        while (exit_code == 0 && !glfwWindowShouldClose(window) && !app.should_exit()) {
            if (const double wait = app.idle_wait_seconds(); wait > 0) {
                glfwWaitEventsTimeout(wait);
            } else {
                glfwPollEvents();
            }
            app.before_frame();
            ImGui_ImplOpenGL3_NewFrame();
            ImGui_ImplGlfw_NewFrame();
            app.inject_input();
            ImGui::NewFrame();
            app.frame();
            ImGui::Render();
            int width = 0, height = 0;
            glfwGetFramebufferSize(window, &width, &height);
            attnscope::gfx::begin_frame(width, height, app.clear_color());
            ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
            app.after_render(width, height);
            glfwSwapBuffers(window);
        }
        if (exit_code == 0) exit_code = app.exit_code();
    }

    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    return exit_code;
}
