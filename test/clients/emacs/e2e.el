;;; e2e.el --- End-to-end run of the Tandem Emacs client  -*- lexical-binding: t; -*-

;;; Commentary:

;; Run by test/clients/emacs.test.ts as
;;   emacs --batch -Q -l e2e.el
;; with TANDEM_E2E_BACKEND (lsp-mode or eglot), TANDEM_E2E_ROOT (the workspace), TANDEM_E2E_OUT
;; (the JSON file to write), TANDEM_E2E_CLIENT (clients/emacs) and TANDEM_E2E_ELPA (the folder of
;; Debian's elpa packages).  It starts the real server through the chosen client, reads the
;; diagnostics, runs every Tandem command, edits a file, restarts the server, and writes what each
;; view showed.

;;; Code:

(require 'cl-lib)
(require 'json)
(require 'subr-x)

(defvar e2e-backend (getenv "TANDEM_E2E_BACKEND"))
(defvar e2e-root (file-name-as-directory (getenv "TANDEM_E2E_ROOT")))
(defvar e2e-out (getenv "TANDEM_E2E_OUT"))
(defvar e2e-results nil)
(defvar e2e-step "start")
(defvar e2e-last-seen nil
  "What the last wait saw, reported when it times out.")

(defun e2e-put (key value)
  "Record VALUE under KEY in the results."
  (setq e2e-results (append e2e-results (list (cons key value)))))

(defun e2e-wait (what seconds predicate)
  "Wait until PREDICATE is non-nil, polling processes and timers; fail after SECONDS naming WHAT."
  (let ((deadline (+ (float-time) seconds)) value)
    (while (not (setq value (funcall predicate)))
      (when (> (float-time) deadline)
        (error "Timed out after %s s waiting for %s" seconds what))
      (accept-process-output nil 0.05))
    value))

(defun e2e-write ()
  "Write the results as JSON."
  (with-temp-file e2e-out
    (insert (let ((json-encoding-pretty-print nil)) (json-encode e2e-results)))))

(dolist (dir (directory-files (or (getenv "TANDEM_E2E_ELPA") "/usr/share/emacs/site-lisp/elpa") t "^[^.]"))
  (when (file-directory-p dir) (add-to-list 'load-path dir)))
;; As package.el does at start-up for installed packages: their autoloads.
(dolist (dir load-path)
  (dolist (file (and (file-directory-p dir) (directory-files dir t "-autoloads\\.el\\'")))
    (load file nil t)))
(add-to-list 'load-path (getenv "TANDEM_E2E_CLIENT"))

(setq make-backup-files nil create-lockfiles nil auto-save-default nil
      inhibit-message nil enable-local-variables nil)

(require 'markdown-mode)
(add-to-list 'auto-mode-alist '("\\.md\\'" . markdown-mode))

(defvar lsp-client-packages)
(defvar lsp-session-file)
(defvar lsp-auto-guess-root)
(defvar lsp-enable-file-watchers)
(defvar lsp-keep-workspace-alive)
(defvar lsp-enabled-clients)
(defvar lsp-restart)
(defvar lsp-headerline-breadcrumb-enable)
(defvar lsp-modeline-code-actions-enable)
(defvar lsp-modeline-diagnostics-enable)
(defvar lsp-response-timeout)
(defvar lsp-modeline-workspace-status-enable)
(defvar lsp-enable-snippet)
(defvar lsp-lens-enable)
(defvar lsp-diagnostics-provider)
(defvar lsp-log-io)

(pcase e2e-backend
  ("lsp-mode"
   (setq lsp-client-packages nil
         lsp-session-file (expand-file-name "lsp-session" (make-temp-file "tandem-lsp-" t))
         lsp-auto-guess-root t
         lsp-enable-file-watchers nil
         lsp-keep-workspace-alive nil
         lsp-enabled-clients '(tandem)
         lsp-restart 'ignore
         lsp-headerline-breadcrumb-enable nil
         lsp-modeline-code-actions-enable nil
         lsp-modeline-diagnostics-enable nil
         lsp-modeline-workspace-status-enable nil
         lsp-enable-snippet nil
         lsp-lens-enable nil
         lsp-diagnostics-provider :flymake
         lsp-response-timeout 20
         lsp-log-io (and (getenv "TANDEM_E2E_IO") t))
   ;; lsp-mode before tandem, eglot after it: the integration must load in either order.
   (require 'lsp-mode)
   (require 'tandem))
  ("eglot"
   (require 'tandem)
   (require 'eglot)
   (setq tandem-eglot-modes '(markdown-mode js-mode))
   (tandem-eglot-register))
  (_ (error "TANDEM_E2E_BACKEND must be lsp-mode or eglot, not %S" e2e-backend)))

(defvar e2e-indexed 0
  "How many times a server logged the end of a full index (\"Indexed N files\").")

(defun e2e-note-log (message)
  "Count MESSAGE when it says a full index ended."
  (when (and (stringp message) (string-match-p "\\`Indexed [0-9]+ files" message))
    (setq e2e-indexed (1+ e2e-indexed))))

(pcase e2e-backend
  ("lsp-mode"
   (advice-add 'lsp--window-log-message :before
               (lambda (_workspace params) (e2e-note-log (tandem-get params "message")))))
  ("eglot"
   (cl-defmethod eglot-handle-notification :before ((_server tandem-eglot-server) (_method (eql window/logMessage)) &key message &allow-other-keys)
     (e2e-note-log message))))

(defvar e2e-messages nil
  "Every message shown, newest first.")

(advice-add 'message :around
            (lambda (show format-string &rest args)
              (let ((text (apply show format-string args)))
                (when (stringp text) (push text e2e-messages))
                text)))

(defvar e2e-prompts nil
  "Every yes-or-no question asked, newest first; each is answered yes, as a user would.")

(advice-add 'y-or-n-p :override (lambda (prompt) (push prompt e2e-prompts) t))

(defun e2e-message-matching (regexp)
  "The oldest message matching REGEXP, or nil."
  (cl-find-if (lambda (text) (string-match-p regexp text)) (reverse e2e-messages)))

;; An editor setting the server must receive (the fixture's tandem.json leaves it at its default).
(setq tandem-settings '(:trace (:uncoveredSeverity "information")))

(defun e2e-start-client ()
  "Start (or join) the Tandem server for the current buffer through the chosen client."
  (pcase e2e-backend
    ("lsp-mode" (lsp))
    ("eglot" (unless (tandem-eglot--server) (apply #'eglot (eglot--guess-contact))))))

(defun e2e-connected-p ()
  "Non-nil when the current buffer has a Tandem connection that has finished initializing."
  (pcase e2e-backend
    ("lsp-mode" (when-let ((workspace (tandem-lsp--workspace))) (eq (lsp--workspace-status workspace) 'initialized)))
    ("eglot" (tandem-eglot--server))))

(defun e2e-connection-id ()
  "Something that tells one server connection from the next."
  (pcase e2e-backend
    ("lsp-mode" (let ((process (lsp--workspace-proc (tandem-lsp--workspace))))
                  (process-id (if (consp process) (car process) process))))
    ("eglot" (process-id (jsonrpc--process (tandem-eglot--server))))))

(defun e2e-diagnostics ()
  "The diagnostics the client holds for the current buffer's file, by line.
lsp-mode keeps them per file (what flymake, flycheck and lsp-ui show); eglot
hands them to flymake, which is asked to collect them first."
  (pcase e2e-backend
    ("lsp-mode"
     (let ((diagnostics (gethash (lsp--fix-path-casing buffer-file-name) (lsp-diagnostics t))))
       (sort (mapcar (lambda (diagnostic)
                       `((line . ,(1+ (tandem-get (tandem-get (tandem-get diagnostic "range") "start") "line")))
                         (text . ,(tandem-get diagnostic "message"))
                         (severity . ,(pcase (tandem-get diagnostic "severity") (1 "error") (2 "warning") (3 "information") (4 "hint")))))
                     diagnostics)
             (lambda (a b) (< (alist-get 'line a) (alist-get 'line b))))))
    ("eglot"
     (when (bound-and-true-p flymake-mode) (flymake-start))
     (accept-process-output nil 0.05)
     (mapcar (lambda (diagnostic)
               `((line . ,(line-number-at-pos (flymake-diagnostic-beg diagnostic)))
                 (text . ,(substring-no-properties (flymake-diagnostic-text diagnostic)))
                 (severity . ,(pcase (flymake-diagnostic-type diagnostic)
                                ('eglot-error "error") ('eglot-warning "warning") ('eglot-note "information") (type (format "%s" type))))))
             (sort (flymake-diagnostics) (lambda (a b) (< (flymake-diagnostic-beg a) (flymake-diagnostic-beg b))))))))

(defun e2e-send-changes ()
  "Let the client send pending edits now (eglot sends them on an idle timer, which batch Emacs never runs)."
  (when (equal e2e-backend "eglot") (eglot--signal-textDocument/didChange)))

(defun e2e-requirement-rows ()
  "The rows of *tandem-requirements*: ID, status, counts and the definition's place."
  (with-current-buffer "*tandem-requirements*"
    (vconcat
     (mapcar (lambda (entry)
               (let* ((columns (cadr entry))
                      (summary (cl-find (car entry) tandem--summaries :key (lambda (s) (tandem-get s "id")) :test #'equal)))
                 `((id . ,(aref columns 0))
                   (status . ,(substring-no-properties (aref columns 1)))
                   (file . ,(tandem-location-file (tandem-get summary "location")))
                   (line . ,(tandem-location-line (tandem-get summary "location"))))))
             tabulated-list-entries))))

(defun e2e-buttons (buffer)
  "The places the buttons of BUFFER lead to."
  (with-current-buffer buffer
    (let ((position (point-min)) found)
      (while (setq position (next-button position))
        (let ((location (button-get position 'tandem-location)))
          (push `((file . ,(tandem-location-file location)) (line . ,(tandem-location-line location))
                  (label . ,(button-label position)))
                found)))
      (vconcat (nreverse found)))))

(defun e2e-here ()
  "Where point is: the file and line."
  `((file . ,(buffer-file-name)) (line . ,(line-number-at-pos))))

(defun e2e-goto-text (text)
  "Put point at the start of the first TEXT in the current buffer."
  (goto-char (point-min))
  (unless (search-forward text nil t) (error "Text not found: %s" text))
  (goto-char (match-beginning 0)))

(defun e2e-run ()
  "The whole run."
  (let ((requirements-file (expand-file-name "docs/requirements.md" e2e-root))
        (source-file (expand-file-name "src/cart.js" e2e-root))
        requirements-buffer source-buffer)
    (e2e-put 'backend e2e-backend)
    (e2e-put 'emacs emacs-version)

    (setq e2e-step "start the server")
    (setq requirements-buffer (find-file-noselect requirements-file))
    (with-current-buffer requirements-buffer
      (e2e-put 'mode (symbol-name major-mode))
      (e2e-start-client)
      (e2e-wait "the Tandem connection" 20 #'e2e-connected-p)
      (e2e-wait "the end of the first full index" 20 (lambda () (> e2e-indexed 0)))
      (e2e-put 'connection (plist-get (tandem--connection) :name))
      (e2e-put 'root (tandem--current-root)))

    (setq e2e-step "diagnostics")
    (with-current-buffer requirements-buffer
      ;; Diagnostics published before the first index finished may be stale; wait until they sit
      ;; on exactly the requirements the server lists as gaps.
      (let ((gap-lines (mapcar (lambda (summary) (tandem-location-line (tandem-get summary "location")))
                               (tandem--list (tandem-get (tandem-request "tandem/requirements" (list :gapsOnly t)) "requirements")))))
        (e2e-put 'diagnostics
                 (vconcat (e2e-wait "diagnostics on the gaps of docs/requirements.md" 20
                                    (lambda () (let ((found (e2e-diagnostics)))
                                                 (setq e2e-last-seen (list :gaps gap-lines :diagnostics found))
                                                 (and found (equal (mapcar (lambda (d) (alist-get 'line d)) found) gap-lines) found))))))))

    (setq e2e-step "tandem-requirements")
    (with-current-buffer requirements-buffer (tandem-requirements))
    (e2e-put 'requirements (e2e-requirement-rows))

    (setq e2e-step "the table's column headers and widths")
    (with-current-buffer "*tandem-requirements*"
      ;; The header line as tabulated-list builds it (a string with alignment properties).
      (e2e-put 'table_header (if (stringp header-line-format) (substring-no-properties header-line-format) (format "%S" header-line-format)))
      (e2e-put 'table_mode_line (format "%s" mode-line-process)))
    (with-temp-buffer
      (tandem-requirements-mode)
      (tandem--requirements-render
       (list :requirements (vector (list :id "dsn~order-line-parser~1" :status "covered" :implementations 1 :tests 1 :defects [] :title "Order line parser"))))
      (e2e-put 'long_id_row (string-trim (buffer-substring-no-properties (line-beginning-position) (line-end-position))))
      (e2e-put 'long_id_header (if (stringp header-line-format) (substring-no-properties header-line-format) (format "%S" header-line-format))))
    (e2e-put 'percent_of_ten_in_sixteen (tandem-percent (/ 10.0 16)))

    (setq e2e-step "visit a requirement from the table")
    (with-current-buffer "*tandem-requirements*"
      (e2e-goto-text "CART-2")
      (tandem-requirements-visit)
      (e2e-put 'visited_requirement (e2e-here)))

    (setq e2e-step "tandem-requirements with a prefix argument")
    (with-current-buffer requirements-buffer (tandem-requirements t))
    (e2e-put 'gaps (e2e-requirement-rows))
    (with-current-buffer "*tandem-requirements*" (tandem-requirements-toggle-gaps))
    (e2e-put 'toggled_to_all (e2e-requirement-rows))

    (setq e2e-step "tandem-trace CART-1")
    (with-current-buffer requirements-buffer (tandem-trace "CART-1"))
    (e2e-put 'trace (e2e-buttons "*tandem-trace*"))
    (e2e-put 'trace_text (with-current-buffer "*tandem-trace*" (buffer-substring-no-properties (point-min) (point-max))))

    (setq e2e-step "jump from the trace to a test")
    (with-current-buffer "*tandem-trace*"
      (e2e-goto-text "test/cart.test.js")
      (push-button (point))
      (e2e-put 'visited_test (e2e-here)))

    (setq e2e-step "TAB and RET in the trace buffer")
    (with-current-buffer "*tandem-trace*"
      (goto-char (point-min))
      (call-interactively (key-binding (kbd "TAB")))
      (e2e-put 'tab_first_link (button-label (button-at (point))))
      (call-interactively (key-binding (kbd "TAB")))
      (e2e-put 'tab_second_link (button-label (button-at (point))))
      ;; RET at the start of the line, before the link text.
      (beginning-of-line)
      (e2e-put 'ret_on_line_is_button (if (button-at (point)) t :json-false))
      (call-interactively (key-binding (kbd "RET")))
      (e2e-put 'ret_visited (e2e-here)))

    (setq e2e-step "tandem-trace at point")
    (setq source-buffer (find-file-noselect source-file))
    (with-current-buffer source-buffer
      (e2e-start-client)
      (e2e-wait "the Tandem connection in src/cart.js" 20 #'e2e-connected-p)
      (e2e-goto-text "CART-2")
      (e2e-put 'id_at_point (tandem-id-at-point))
      (call-interactively #'tandem-trace))
    (e2e-put 'trace_at_point
             `((id . ,(with-current-buffer "*tandem-trace*" tandem--trace-id))
               (buttons . ,(e2e-buttons "*tandem-trace*"))))

    (setq e2e-step "tandem-coverage")
    (with-current-buffer source-buffer (tandem-coverage))
    (e2e-put 'coverage (vconcat (with-current-buffer "*tandem-coverage*" (split-string (buffer-string) "\n" t))))

    (setq e2e-step "an edit refreshes the views")
    (with-current-buffer source-buffer (tandem-requirements))
    (with-current-buffer source-buffer
      (e2e-goto-text "remove(name) {")
      (beginning-of-line)
      (insert "  // @implements CART-3\n")
      (e2e-send-changes))
    (e2e-wait "CART-3 to become untested in *tandem-requirements*" 20
              (lambda () (cl-some (lambda (row) (and (equal (alist-get 'id row) "CART-3") (equal (alist-get 'status row) "untested")))
                                  (e2e-requirement-rows))))
    (e2e-put 'requirements_after_edit (e2e-requirement-rows))
    (e2e-wait "the coverage view to refresh" 20
              (lambda () (with-current-buffer "*tandem-coverage*" (string-match-p "unimplemented 0" (buffer-string)))))
    (e2e-put 'coverage_after_edit (vconcat (with-current-buffer "*tandem-coverage*" (split-string (buffer-string) "\n" t))))
    (with-current-buffer requirements-buffer
      (let ((before (alist-get 'diagnostics e2e-results)))
        (e2e-put 'diagnostics_after_edit
                 (vconcat (e2e-wait "the diagnostics of docs/requirements.md to change" 20
                                    (lambda () (let ((now (vconcat (e2e-diagnostics)))) (and (not (equal now before)) now))))))))

    (setq e2e-step "tandem-restart")
    (with-current-buffer source-buffer
      (let ((before (e2e-connection-id))
            (indexed e2e-indexed))
        (e2e-put 'connection_before_restart before)
        (tandem-restart)
        (e2e-wait "a new connection after the restart" 30
                  (lambda () (and (e2e-connected-p) (not (equal (ignore-errors (e2e-connection-id)) before)))))
        (e2e-wait "the restarted server's first full index" 30 (lambda () (> e2e-indexed indexed)))
        (e2e-put 'connection_after_restart (e2e-connection-id))))
    ;; The restarted server indexes again and is sent the edited buffer again; until it has, it
    ;; may answer from a partial index, so ask until it agrees with the view before the restart.
    (let ((expected (cl-remove-if (lambda (row) (member (alist-get 'status row) '("covered" "verified")))
                                  (append (alist-get 'requirements_after_edit e2e-results) nil)))
          rows)
      (with-current-buffer source-buffer
        (e2e-wait "the restarted server to list the same gaps as before the restart" 30
                  (lambda ()
                    (setq rows (ignore-errors (tandem-requirements t) (e2e-requirement-rows)))
                    (or (equal (append rows nil) expected) (progn (accept-process-output nil 0.2) nil)))))
      (e2e-put 'gaps_after_restart rows))

    (setq e2e-step "tandem-run-tests")
    (with-current-buffer source-buffer (tandem-run-tests))
    (e2e-put 'run_tests_message (e2e-wait "the test run summary" 30 (lambda () (e2e-message-matching "\\`Tandem: tests "))))

    (setq e2e-step "tandem-generate")
    (let ((started (float-time))
          (report "\\`Tandem: \\(applied\\|notApplied\\|offered\\|failed\\|cancelled\\|error\\): "))
      (with-current-buffer source-buffer (tandem-generate "CART-3"))
      (e2e-put 'generate_message (e2e-wait "the generation report" 60 (lambda () (e2e-message-matching report))))
      (e2e-put 'generate_ms (round (* 1000 (- (float-time) started))))
      (e2e-put 'generation_progress (vconcat (cl-remove-if-not (lambda (text) (string-match-p "\\`\\(Implement CART-3 with tests\\|Add tests for CART-3\\)" text))
                                                               (reverse e2e-messages)))))
    (e2e-put 'unknown_notification (e2e-message-matching "Unknown notification"))

    (setq e2e-step "a generating code action, through the client's own code action command")
    (when (equal e2e-backend "eglot")
    (let ((target (expand-file-name "src/empty-the-cart.js" e2e-root))
          (test-file (expand-file-name "test/empty-the-cart.test.js" e2e-root))
          started)
      (with-current-buffer requirements-buffer
        (goto-char (point-max))
        (insert "\n## CART-4: Empty the cart\n\nEmptying the cart removes every item.\n")
        (e2e-send-changes)
        (e2e-goto-text "CART-4")
        (e2e-wait "the action that implements CART-4" 20
                  (lambda () (cl-some (lambda (action) (equal (tandem-get action "title") "Implement CART-4 with tests"))
                                      (tandem--list (tandem-request "textDocument/codeAction"
                                                                    (list :textDocument (list :uri (concat "file://" buffer-file-name))
                                                                          :range (list :start (list :line (1- (line-number-at-pos)) :character 3)
                                                                                       :end (list :line (1- (line-number-at-pos)) :character 3))
                                                                          :context (list :diagnostics [])))))))
        (when (equal e2e-backend "lsp-mode")
          (e2e-put 'code_actions_offered (vconcat (mapcar (lambda (action) (tandem-get action "title")) (lsp-code-actions-at-point "refactor.generate")))))
        (setq started (float-time))
        (pcase e2e-backend
          ;; With a kind and one action of it, each client runs the action without a menu.
          ("eglot" (eglot-code-actions (point) (point) "refactor.generate" t))
          ("lsp-mode" (lsp-execute-code-action-by-kind "refactor.generate")))
        (e2e-put 'code_action_returned_ms (round (* 1000 (- (float-time) started)))))
      (e2e-wait "the generated stub in its buffer" 60
                (lambda () (let ((buffer (get-file-buffer target)))
                             (and buffer (with-current-buffer buffer (string-match-p "@implements CART-4" (buffer-string)))))))
      (e2e-put 'code_action_edit_ms (round (* 1000 (- (float-time) started))))
      (e2e-put 'code_action_test_buffer (and (get-file-buffer test-file)
                                             (with-current-buffer (get-file-buffer test-file) (buffer-string))))
      (e2e-put 'code_action_message (e2e-wait "the server's closing message" 20 (lambda () (e2e-message-matching "Implement CART-4 with tests: .*not yet saved"))))
      (e2e-put 'edit_prompts (vconcat e2e-prompts))))))

(let ((ok (condition-case error
              (progn (e2e-run) t)
            (error (e2e-put 'error (error-message-string error))
                   (e2e-put 'last_seen (format "%S" e2e-last-seen))
                   (e2e-put 'failed_step e2e-step)
                   (e2e-put 'last_messages (vconcat (seq-take e2e-messages 12)))
                   (when (getenv "TANDEM_E2E_IO")
                     (dolist (buffer (buffer-list))
                       (when (string-match-p "lsp-log\\|EGLOT\\|stderr" (buffer-name buffer))
                         (e2e-put (intern (concat "io_log_" (buffer-name buffer))) (with-current-buffer buffer (buffer-substring-no-properties (max (point-min) (- (point-max) 400000)) (point-max)))))))
                   nil))))
  (e2e-write)
  (kill-emacs (if ok 0 1)))

;;; e2e.el ends here
