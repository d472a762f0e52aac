;;; tandem-lsp.el --- Tandem under lsp-mode  -*- lexical-binding: t; -*-

;; SPDX-License-Identifier: MIT

;;; Commentary:

;; Registers the Tandem server with lsp-mode as an add-on: it runs beside the language's own server
;; in every buffer whose major mode derives from one of `tandem-lsp-activation-modes'.  Loaded by
;; tandem.el once lsp-mode is loaded.

;;; Code:

(require 'lsp-mode)
(require 'tandem)

(lsp-dependency 'tandem-ls '(:system "tandem-ls"))

(defun tandem-lsp--command ()
  "The server command line for lsp-mode."
  (tandem-server-command))

(defun tandem-lsp--activate-p (_file-name major-mode-name)
  "Non-nil when Tandem serves buffers of MAJOR-MODE-NAME."
  (cl-some (lambda (mode) (provided-mode-derived-p major-mode-name mode)) tandem-lsp-activation-modes))

(defun tandem-lsp--register-settings ()
  "Answer `workspace/configuration' for `tandem' from `tandem-settings'.
lsp-mode builds that answer from registered settings paths; each top-level
key of `tandem-settings' becomes one, read when the server asks."
  (cl-loop for (key _value) on tandem-settings by #'cddr
           do (let ((name (substring (symbol-name key) 1)))
                (lsp-register-custom-settings
                 `((,(concat "tandem." name) (lambda () (plist-get tandem-settings ,key))))))))

(defun tandem-lsp--workspace ()
  "The Tandem workspace of the current buffer, or nil."
  (when (bound-and-true-p lsp-mode)
    (cl-find-if (lambda (workspace) (eq (lsp--client-server-id (lsp--workspace-client workspace)) 'tandem))
                (lsp-workspaces))))

(defun tandem-lsp-connection ()
  "The Tandem connection of the current buffer under lsp-mode, or nil."
  (when-let ((workspace (tandem-lsp--workspace)))
    (list :name "lsp-mode"
          :request (lambda (method params)
                     (with-lsp-workspace workspace (lsp-request method params)))
          :request-async (lambda (method params callback)
                           (with-lsp-workspace workspace
                             (lsp-request-async method params callback :mode 'detached)))
          :position-params (lambda () (lsp--text-document-position-params))
          :restart (lambda () (lsp-workspace-restart workspace)))))

(add-hook 'tandem-connection-functions #'tandem-lsp-connection)

(defun tandem-lsp--suggest-root ()
  "The folder holding tandem.json, when `tandem-project-root-first' says it wins.
lsp-mode asks projectile before project.el; this comes before both."
  (and tandem-project-root-first (tandem-project-root)))

;; The root lsp-mode proposes (and takes, with `lsp-auto-guess-root').
(when (fboundp 'lsp--suggest-project-root)
  (advice-add 'lsp--suggest-project-root :before-until #'tandem-lsp--suggest-root))

(lsp-register-client
 (make-lsp-client
  :new-connection (lsp-stdio-connection #'tandem-lsp--command #'tandem-server-available-p)
  :activation-fn #'tandem-lsp--activate-p
  :add-on? t
  :priority -2
  :server-id 'tandem
  :initialization-options #'tandem-settings-object
  :notification-handlers (let ((handlers (make-hash-table :test #'equal)))
                           (puthash "tandem/traceDidChange" (lambda (_workspace params) (tandem-trace-did-change params)) handlers)
                           (puthash "tandem/testResults" (lambda (_workspace params) (tandem-test-results params)) handlers)
                           (puthash "tandem/generationDidFinish" (lambda (_workspace params) (tandem-generation-did-finish params)) handlers)
                           handlers)
  :before-file-open-fn (lambda (_workspace) (tandem-lsp--register-settings))
  :initialized-fn (lambda (_workspace) (tandem-lsp--register-settings))))

(tandem-lsp--register-settings)

(provide 'tandem-lsp)
;;; tandem-lsp.el ends here
