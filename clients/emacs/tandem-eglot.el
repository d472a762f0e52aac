;;; tandem-eglot.el --- Tandem under eglot  -*- lexical-binding: t; -*-

;; SPDX-License-Identifier: MIT

;;; Commentary:

;; Registers the Tandem server with eglot for the modes in `tandem-eglot-modes', through a server
;; class of its own so that `tandem-settings' answer `workspace/configuration' and
;; `tandem/traceDidChange' refreshes the views.  Loaded by tandem.el once eglot is loaded.

;;; Code:

(require 'eglot)
(require 'jsonrpc)
(require 'tandem)

(defclass tandem-eglot-server (eglot-lsp-server) ()
  :documentation "A Tandem server managed by eglot.")

(cl-defmethod eglot-initialization-options ((_server tandem-eglot-server))
  "Send `tandem-settings' as the initialization options."
  (tandem-settings-object))

(cl-defmethod eglot-handle-request ((_server tandem-eglot-server) (_method (eql workspace/configuration)) &key items)
  "Answer `workspace/configuration'.
The `tandem' section is `tandem-settings'; other sections are null."
  (apply #'vector
         (mapcar (lambda (item)
                   (if (equal (plist-get item :section) "tandem") (tandem-settings-object) nil))
                 items)))

(cl-defmethod eglot-handle-notification ((_server tandem-eglot-server) (_method (eql tandem/traceDidChange)) &rest params)
  "Refresh the Tandem views."
  (tandem-trace-did-change params))

(cl-defmethod eglot-handle-notification ((_server tandem-eglot-server) (_method (eql tandem/testResults)) &rest params)
  "Refresh the Tandem views with the new results."
  (tandem-test-results params))

(cl-defmethod eglot-handle-notification ((_server tandem-eglot-server) (_method (eql tandem/generationDidFinish)) &rest report)
  "Say how a run of `tandem-generate' ended."
  (tandem-generation-did-finish report))

;; Eglot before 1.10 neither announces nor shows work-done progress, through which Tandem reports
;; indexing, test runs and generation; this server class does both on such releases.
(unless (boundp 'eglot-report-progress)
  (cl-defmethod eglot-client-capabilities :around ((_server tandem-eglot-server))
    "Announce work-done progress."
    (append (cl-call-next-method) (list :window (list :workDoneProgress t))))

  (cl-defmethod eglot-handle-request ((_server tandem-eglot-server) (_method (eql window/workDoneProgress/create)) &rest _params)
    "Accept a progress token."
    nil)

  (cl-defmethod eglot-handle-notification ((_server tandem-eglot-server) (_method (eql $/progress)) &key token value)
    "Show the progress in the echo area."
    (tandem-progress-message token value)))

(defun tandem-eglot--contact (&optional _interactive)
  "The eglot contact of the Tandem server: its class and command line."
  (cons 'tandem-eglot-server (tandem-server-command)))

(defun tandem-eglot--server ()
  "The Tandem eglot server of the current buffer, or nil."
  (when-let ((server (and (fboundp 'eglot-current-server) (eglot-current-server))))
    (and (object-of-class-p server 'tandem-eglot-server) server)))

(defun tandem-eglot-connection ()
  "The Tandem connection of the current buffer under eglot, or nil."
  (when-let ((server (tandem-eglot--server)))
    (list :name "eglot"
          :request (lambda (method params)
                     (jsonrpc-request server (intern (concat ":" method)) params))
          :request-async (lambda (method params callback)
                           (jsonrpc-async-request server (intern (concat ":" method)) params
                                                  :success-fn callback
                                                  :error-fn (lambda (error)
                                                              (message "Tandem: %s failed: %s" method (plist-get error :message)))))
          :position-params (lambda () (eglot--TextDocumentPositionParams))
          :restart (lambda () (eglot-reconnect server)))))

(add-hook 'tandem-connection-functions #'tandem-eglot-connection)

(defun tandem-eglot-register ()
  "Put Tandem first in `eglot-server-programs' for `tandem-eglot-modes'."
  (setq eglot-server-programs
        (cons (cons tandem-eglot-modes #'tandem-eglot--contact)
              (cl-remove #'tandem-eglot--contact eglot-server-programs :key #'cdr))))

(tandem-eglot-register)

(provide 'tandem-eglot)
;;; tandem-eglot.el ends here
