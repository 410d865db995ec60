/*
 * The floor: the least a libfcgi responder can do per request. Accept, read the
 * body, write a fixed 201 JSON, nothing else; the same transport and thread count
 * as people-api. `make bench` measures people-api against it in the same run.
 *
 *   minimal-responder SOCKET_PATH THREADS
 */
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int listen_fd;

static const char response[] =
    "Status: 201 Created\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "Cache-Control: no-store\r\n"
    "\r\n"
    "{\"id\":\"01939a5e-7c1a-7b3e-9f2d-2c5b8e4f1a90\",\"name\":\"Ada\",\"email\":\"ada@example.com\","
    "\"age\":null,\"created_at\":\"2026-11-22T10:15:30.123Z\"}";

static void *serve(void *unused) {
    (void)unused;
    FCGX_Request request;
    char body[65537];
    FCGX_InitRequest(&request, listen_fd, 0);
    while (FCGX_Accept_r(&request) >= 0) {
        while (FCGX_GetStr(body, sizeof body, request.in) > 0) {}
        FCGX_PutStr(response, sizeof response - 1, request.out);
        FCGX_Finish_r(&request);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s SOCKET_PATH THREADS\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    FCGX_Init();
    unlink(argv[1]);
    listen_fd = FCGX_OpenSocket(argv[1], 1024);
    if (listen_fd < 0) {
        perror("FCGX_OpenSocket");
        return 1;
    }
    chmod(argv[1], 0660);
    int threads = atoi(argv[2]);
    pthread_t ids[1024];
    for (int i = 0; i < threads && i < 1024; i++) pthread_create(&ids[i], NULL, serve, NULL);
    for (int i = 0; i < threads && i < 1024; i++) pthread_join(ids[i], NULL);
    return 0;
}
