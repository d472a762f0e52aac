;;; tandem.el --- Requirement-to-test traceability through the Tandem language server  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1"))
;; Keywords: languages, tools, convenience
;; SPDX-License-Identifier: MIT

;;; Commentary:

;; Tandem is a language server that links requirements to the code that implements them and the
;; tests that verify them.  Everything standard (diagnostics, hover, code actions, code lenses,
;; go to definition, progress) comes from your LSP client, lsp-mode or eglot.  This package:
;;
;; - registers `tandem-ls' with lsp-mode (as an add-on beside your language's own server) and
;;   with eglot (for the modes in `tandem-eglot-modes'), as soon as either is loaded;
;; - adds the views standard LSP has no place for, under either client:
;;   `tandem-requirements' (a table of requirements with status; with a prefix argument, only
;;   the gaps), `tandem-trace' (one requirement's definition, implementations and tests, with
;;   links), `tandem-coverage' (counts per status and artifact type);
;; - maps the server's commands: `tandem-generate', `tandem-run-tests', `tandem-restart',
;;   `tandem-server-info'.
;;
;; The views refresh themselves when the server sends `tandem/traceDidChange'.

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'button)
(require 'tabulated-list)
(require 'url-util)
(require 'project nil t)

(defgroup tandem nil
  "Requirement-to-test traceability through the Tandem language server."
  :group 'tools
  :prefix "tandem-")

(defcustom tandem-server-command nil
  "The command line that starts the Tandem server over stdio, as a list of strings.
nil means `tandem-ls --stdio' when `tandem-ls' is on `exec-path', else the
server of the Tandem checkout this file belongs to, run with node."
  :type '(choice (const :tag "Find it" nil) (repeat string)))

(defcustom tandem-settings nil
  "The `tandem' settings section, as a plist sent to the server.
Objects are plists, arrays are vectors, false is `:json-false'.  Example:
  (:trace (:idPattern \"REQ-[0-9]+\")
   :generation (:model \"gpt-4o-mini\" :apiKeyEnv \"OPENAI_API_KEY\"))
A tandem.json file at the workspace root holds the same settings for every
editor and the command line; these settings win over it."
  :type 'plist)

(defcustom tandem-eglot-modes '(markdown-mode gfm-mode)
  "Major modes in which eglot runs Tandem.
Eglot runs one server per buffer, so add a mode here only when no other
language server serves it (lsp-mode has no such limit: Tandem runs beside
the language's own server there)."
  :type '(repeat symbol))

(defcustom tandem-lsp-activation-modes '(prog-mode text-mode)
  "lsp-mode starts Tandem in buffers whose major mode derives from one of these."
  :type '(repeat symbol))

(defvar tandem-connection-functions nil
  "Functions that return the Tandem connection of the current buffer, or nil.
Each client integration (tandem-lsp.el, tandem-eglot.el) adds one.  A
connection is a plist with the functions :request (METHOD PARAMS),
:request-async (METHOD PARAMS CALLBACK), :position-params (), :restart ()
and :name.")

(defvar-local tandem--origin nil
  "The buffer a Tandem view was opened from, whose connection refreshes it.")

(defvar-local tandem--root nil
  "The workspace root of a view, for shorter file names.")

;;;; Finding and starting the server

(defconst tandem--directory (file-name-directory (or load-file-name buffer-file-name default-directory))
  "The folder of this file.")

(defun tandem-bundled-server ()
  "The server script of the Tandem checkout this file belongs to, or nil."
  (let ((script (expand-file-name "../../server/bin/tandem-ls.js" tandem--directory)))
    (and (file-exists-p script) script)))

(defun tandem-server-command ()
  "The command line that starts the server.
Signals a `user-error' saying how to install it when there is none."
  (cond
   (tandem-server-command tandem-server-command)
   ((executable-find "tandem-ls") (list "tandem-ls" "--stdio"))
   ((and (tandem-bundled-server) (executable-find "node"))
    (list "node" (tandem-bundled-server) "--stdio"))
   (t (user-error "Tandem: tandem-ls is not on exec-path; install it (run npm link in a Tandem checkout) or set `tandem-server-command'"))))

(defun tandem-server-available-p ()
  "Non-nil when `tandem-server-command' can find a server."
  (condition-case nil (and (tandem-server-command) t) (user-error nil)))

(defun tandem-settings-object ()
  "The settings as a JSON-ready value: `tandem-settings', or an empty object."
  (or tandem-settings (make-hash-table :test #'equal)))

;;;; A folder holding tandem.json is a project

(defcustom tandem-project-root-first t
  "Non-nil: the nearest folder holding tandem.json is the project root.
It then wins over the repository around it, for project.el (and so for eglot)
and for lsp-mode's guess of the root, so that opening a sample or a
sub-project indexes that folder only.  nil leaves the repository first."
  :type 'boolean)

(defun tandem-project-root (&optional directory)
  "The nearest folder above DIRECTORY (default: `default-directory') holding tandem.json, or nil."
  (when-let ((root (locate-dominating-file (or directory default-directory) "tandem.json")))
    (file-name-as-directory (expand-file-name root))))

(defun tandem-project-find (directory)
  "A project rooted at the nearest folder above DIRECTORY holding tandem.json."
  (when-let ((root (and tandem-project-root-first (tandem-project-root directory))))
    (cons 'tandem root)))

(with-eval-after-load 'project
  (cl-defmethod project-root ((project (head tandem))) (cdr project))
  ;; Before the version-control finder: a folder holding tandem.json wins over the repository.
  (add-hook 'project-find-functions #'tandem-project-find -90))

;;;; Talking to the server under either client

(defun tandem--connection (&optional no-error)
  "The Tandem connection for the current buffer.
Tries the buffer, then the buffer a view came from, then every buffer.
Signals a `user-error' unless NO-ERROR."
  (or (run-hook-with-args-until-success 'tandem-connection-functions)
      (and (buffer-live-p tandem--origin)
           (with-current-buffer tandem--origin
             (run-hook-with-args-until-success 'tandem-connection-functions)))
      (cl-loop for buffer in (buffer-list)
               thereis (with-current-buffer buffer
                         (run-hook-with-args-until-success 'tandem-connection-functions)))
      (unless no-error
        (user-error "Tandem: no server is running; open a file of your project and run M-x lsp or M-x eglot"))))

(defun tandem--connection-buffer ()
  "A buffer whose connection is Tandem's, to run requests from."
  (cond
   ((run-hook-with-args-until-success 'tandem-connection-functions) (current-buffer))
   ((and (buffer-live-p tandem--origin)
         (with-current-buffer tandem--origin (run-hook-with-args-until-success 'tandem-connection-functions)))
    tandem--origin)
   (t (or (cl-loop for buffer in (buffer-list)
                   when (with-current-buffer buffer (run-hook-with-args-until-success 'tandem-connection-functions))
                   return buffer)
          (progn (tandem--connection) nil)))))

(defun tandem-request (method params)
  "Send METHOD with PARAMS to the Tandem server and return the result."
  (with-current-buffer (tandem--connection-buffer)
    (funcall (plist-get (tandem--connection) :request) method params)))

(defun tandem-request-async (method params callback)
  "Send METHOD with PARAMS; call CALLBACK with the result."
  (with-current-buffer (tandem--connection-buffer)
    (funcall (plist-get (tandem--connection) :request-async) method params callback)))

(defun tandem-get (object key)
  "The field KEY (a string) of a JSON OBJECT parsed as a hash table or a plist."
  (cond
   ((hash-table-p object) (gethash key object))
   ((and (listp object) (keywordp (car-safe object))) (plist-get object (intern (concat ":" key))))
   (t nil)))

(defun tandem--false-p (value)
  "Non-nil when the JSON VALUE is false or null."
  (memq value '(nil :json-false :false :null)))

(defun tandem--list (value)
  "VALUE, a JSON array (vector or list), as a list."
  (append value nil))

;;;; Locations

(defun tandem-uri-to-file (uri)
  "The local file name of a file:// URI."
  (if (string-prefix-p "file://" uri)
      (decode-coding-string (url-unhex-string (substring uri (length "file://"))) 'utf-8)
    uri))

(defun tandem-location-file (location)
  "The file of an LSP LOCATION."
  (tandem-uri-to-file (tandem-get location "uri")))

(defun tandem-location-line (location)
  "The one-based line of an LSP LOCATION."
  (1+ (tandem-get (tandem-get (tandem-get location "range") "start") "line")))

(defun tandem-visit-location (location)
  "Visit the file of LOCATION at its start."
  (let* ((start (tandem-get (tandem-get location "range") "start")))
    (find-file (tandem-location-file location))
    (goto-char (point-min))
    (forward-line (tandem-get start "line"))
    ;; LSP characters are UTF-16 units; outside the Basic Multilingual Plane this lands a little early.
    (forward-char (min (tandem-get start "character") (- (line-end-position) (point))))))

(defun tandem--location-label (location)
  "FILE:LINE for LOCATION, the file relative to the project when possible."
  (let* ((file (tandem-location-file location))
         (root (and tandem--root (file-name-as-directory tandem--root))))
    (format "%s:%d"
            (if (and root (string-prefix-p root file)) (substring file (length root)) (abbreviate-file-name file))
            (tandem-location-line location))))

(defun tandem--insert-location-button (label location)
  "Insert a button showing LABEL that visits LOCATION."
  (insert-text-button label
                      'tandem-location location
                      'follow-link t
                      'help-echo "Visit this place"
                      'action (lambda (button) (tandem-visit-location (button-get button 'tandem-location)))))

;;;; Views

(defvar-local tandem--view-query nil
  "A function returning the (METHOD PARAMS) request that fills this view.")

(defvar-local tandem--view-render nil
  "A function that shows a result of `tandem--view-query' in this view.")

(defun tandem--view-fill (&optional async)
  "Ask the server for this view's content and show it.
With ASYNC, do not wait: the answer is shown when it arrives.  Refreshes that
happen on their own are asynchronous, so that they never nest inside a request
the user is waiting for."
  (let ((query (funcall tandem--view-query))
        (render tandem--view-render)
        (buffer (current-buffer)))
    (if async
        (tandem-request-async (car query) (cadr query)
                              (lambda (result)
                                (when (buffer-live-p buffer)
                                  (with-current-buffer buffer (funcall render result)))))
      (funcall render (tandem-request (car query) (cadr query))))))

(defun tandem--view-revert (&rest _)
  "Refresh this view, waiting for the answer."
  (tandem--view-fill))

;;;; The requirements table

(defvar-local tandem--summaries nil
  "The requirement summaries behind the table rows.")

(defvar-local tandem--gaps-only nil
  "Non-nil when the requirements table shows only the gaps.")

(defvar tandem-requirements-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "RET") #'tandem-requirements-visit)
    (define-key map (kbd "t") #'tandem-requirements-trace)
    (define-key map (kbd "f") #'tandem-requirements-toggle-gaps)
    map)
  "Keys of `tandem-requirements-mode'.")

(define-derived-mode tandem-requirements-mode tabulated-list-mode "Tandem requirements"
  "Requirements with their status.
\\<tandem-requirements-mode-map>\\[tandem-requirements-visit] visits the definition, \\[tandem-requirements-trace] shows the trace,
\\[tandem-requirements-toggle-gaps] toggles the gaps filter, \\[revert-buffer] refreshes."
  (setq tabulated-list-format (tandem--requirements-format 14))
  (setq tabulated-list-padding 1)
  (setq tandem--view-query #'tandem--requirements-query
        tandem--view-render #'tandem--requirements-render)
  (add-hook 'tabulated-list-revert-hook #'tandem--view-revert nil t)
  (tabulated-list-init-header))

(defface tandem-gap '((t :inherit warning)) "Face of statuses that are gaps.")
(defface tandem-failing '((t :inherit error)) "Face of failing and unimplemented statuses.")
(defface tandem-covered '((t :inherit success)) "Face of covered and verified statuses.")

(defun tandem--status-face (status)
  "The face of STATUS."
  (pcase status
    ((or "unimplemented" "failing") 'tandem-failing)
    ("untested" 'tandem-gap)
    (_ 'tandem-covered)))

(defun tandem--requirements-format (id-width)
  "The table's columns, the ID column ID-WIDTH wide."
  (vector (list "ID" id-width t) '("Status" 14 t) '("Impl" 5 t :right-align t) '("Tests" 6 t :right-align t)
          '("Defects" 18 t) '("Title" 0 t)))

(defun tandem--requirements-query ()
  "The request behind the requirements table."
  (list "tandem/requirements" (list :gapsOnly (if tandem--gaps-only t :json-false))))

(defun tandem--requirements-render (result)
  "Show a `tandem/requirements' RESULT in the table."
  (progn
    (setq tabulated-list-entries
          (mapcar (lambda (summary)
                    (let ((status (tandem-get summary "status")))
                      (list (tandem-get summary "id")
                            (vector (tandem-get summary "id")
                                    (propertize status 'face (tandem--status-face status))
                                    (number-to-string (tandem-get summary "implementations"))
                                    (number-to-string (tandem-get summary "tests"))
                                    (mapconcat #'identity (tandem--list (tandem-get summary "defects")) ",")
                                    (or (tandem-get summary "title") "")))))
                  (tandem--list (tandem-get result "requirements"))))
    (setq tandem--summaries (tandem--list (tandem-get result "requirements")))
    ;; Wide enough for the longest ID (OpenFastTrace IDs run long), within reason.
    (setq tabulated-list-format
          (tandem--requirements-format
           (min 48 (apply #'max 14 (mapcar (lambda (entry) (1+ (length (car entry)))) tabulated-list-entries)))))
    ;; The column headers stay in the header line; what the table shows is said in the mode line.
    (tabulated-list-init-header)
    (setq mode-line-process
          (concat (if tandem--gaps-only " gaps" " all")
                  (format " (%d)" (length tabulated-list-entries))
                  "  RET visit  t trace  f gaps  g refresh"))
    (tabulated-list-print t)))

(defun tandem--summary-at-point ()
  "The requirement summary of the row at point."
  (let ((id (tabulated-list-get-id)))
    (unless id (user-error "No requirement on this line"))
    (cl-find id tandem--summaries :key (lambda (summary) (tandem-get summary "id")) :test #'equal)))

(defun tandem-requirements-visit ()
  "Visit the definition of the requirement at point."
  (interactive)
  (tandem-visit-location (tandem-get (tandem--summary-at-point) "location")))

(defun tandem-requirements-trace ()
  "Show the trace of the requirement at point."
  (interactive)
  (tandem-trace (tandem-get (tandem--summary-at-point) "id")))

(defun tandem-requirements-toggle-gaps ()
  "Toggle between every requirement and only the gaps."
  (interactive)
  (setq tandem--gaps-only (not tandem--gaps-only))
  (revert-buffer))

(defun tandem--view-buffer (name)
  "The view buffer NAME, remembering the buffer it is opened from."
  (let ((origin (if tandem--origin tandem--origin (current-buffer)))
        (root (tandem--current-root))
        (buffer (get-buffer-create name)))
    (with-current-buffer buffer
      (setq tandem--origin origin)
      (setq tandem--root root))
    buffer))

(defun tandem--current-root ()
  "The project root of the current buffer, for shorter file names in views."
  (or tandem--root
      (when-let ((project (and (fboundp 'project-current) (project-current))))
        (if (fboundp 'project-root) (project-root project) (car (with-no-warnings (project-roots project)))))))

;;;###autoload
(defun tandem-requirements (&optional gaps-only)
  "Show every requirement with its status.
With a prefix argument GAPS-ONLY, only those not covered or with defects."
  (interactive "P")
  (tandem--connection)
  (let ((buffer (tandem--view-buffer "*tandem-requirements*")))
    (with-current-buffer buffer
      (let ((origin tandem--origin) (root tandem--root))
        (unless (derived-mode-p 'tandem-requirements-mode) (tandem-requirements-mode))
        (setq tandem--origin origin tandem--root root))
      (setq tandem--gaps-only (and gaps-only t))
      (tandem--view-fill))
    (pop-to-buffer buffer)
    buffer))

;;;; One requirement's trace

(defvar-local tandem--trace-id nil
  "The requirement a trace buffer shows.")

(defvar tandem-trace-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "TAB") #'forward-button)
    (define-key map (kbd "<backtab>") #'backward-button)
    (define-key map (kbd "RET") #'tandem-trace-visit)
    map)
  "Keys of `tandem-trace-mode'.")

(defun tandem-trace-visit ()
  "Visit the place of the link at point, or of the first link on this line."
  (interactive)
  (let ((button (or (button-at (point))
                    (let ((next (next-button (line-beginning-position))))
                      (and next (<= (button-start next) (line-end-position)) next)))))
    (if button
        (tandem-visit-location (button-get button 'tandem-location))
      (user-error "No link on this line; TAB moves to the next one"))))

(define-derived-mode tandem-trace-mode special-mode "Tandem trace"
  "One requirement's definition, implementations and tests.
\\<tandem-trace-mode-map>\\[forward-button] moves to the next link, \\[tandem-trace-visit] visits the link on this line,
\\[revert-buffer] refreshes."
  (setq tandem--view-query (lambda () (list "tandem/trace" (list :id tandem--trace-id)))
        tandem--view-render #'tandem--trace-render)
  (setq-local revert-buffer-function #'tandem--view-revert))

(defun tandem--insert-links (heading links describe)
  "Insert HEADING and one button line per LINKS entry, labelled by DESCRIBE."
  (insert (propertize heading 'face 'bold) "\n")
  (if (null links)
      (insert "  none\n")
    (dolist (link links)
      (insert "  ")
      (tandem--insert-location-button (tandem--location-label (tandem-get link "location")) (tandem-get link "location"))
      (let ((description (funcall describe link)))
        (unless (string-empty-p description) (insert "  " description)))
      (insert "\n"))))

(defun tandem--code-coverage-text (coverage)
  "`   code: 87%' for a requirement's COVERAGE (`codeCoverage'), empty when none is known."
  (let ((total (and (not (tandem--false-p coverage)) coverage (tandem-get coverage "total"))))
    (if (and (numberp total) (> total 0))
        (format "   code: %d%%%s" (floor (* 100 (tandem-get coverage "covered")) total)
                (if (equal (tandem-get coverage "scope") "run") " (run)" ""))
      "")))

(defun tandem--link-description (link)
  "The symbol or test name of a trace LINK, with its latest result."
  (let ((name (or (tandem-get link "testName") (tandem-get link "symbol")))
        (result (tandem-get link "result")))
    (string-join
     (delq nil (list (and name (not (tandem--false-p name)) name)
                     (and result (not (tandem--false-p result))
                          (format "[%s%s]" (tandem-get result "outcome")
                                  (if (tandem--false-p (tandem-get result "stale")) "" ", stale")))))
     " ")))

(defun tandem--trace-render (trace)
  "Show a `tandem/trace' result TRACE in the trace buffer."
  (let ((inhibit-read-only t))
    (erase-buffer)
    (if (tandem--false-p trace)
        (insert (format "No requirement has the ID %s.\n" tandem--trace-id))
      (let ((summary (tandem-get trace "requirement")))
        (insert (propertize (format "%s  %s" (tandem-get summary "id") (or (tandem-get summary "title") "")) 'face 'bold)
                "\n"
                (format "Status: %s   implementations: %d   tests: %d%s\n"
                        (propertize (tandem-get summary "status") 'face (tandem--status-face (tandem-get summary "status")))
                        (tandem-get summary "implementations") (tandem-get summary "tests")
                        (tandem--code-coverage-text (tandem-get summary "codeCoverage"))))
        (let ((text (tandem-get trace "text")))
          (when (and (stringp text) (not (string-empty-p text))) (insert "\n" (string-trim text) "\n")))
        (insert "\n")
        (tandem--insert-links "Definition" (mapcar (lambda (location) (list :location location)) (tandem--list (tandem-get trace "definitions")))
                              (lambda (_) ""))
        (tandem--insert-links "Implementations" (tandem--list (tandem-get trace "implementations")) #'tandem--link-description)
        (tandem--insert-links "Tests" (tandem--list (tandem-get trace "tests")) #'tandem--link-description)
        (let ((defects (tandem--list (tandem-get trace "defects"))))
          (when defects
            (insert (propertize "Defects" 'face 'bold) "\n")
            (dolist (defect defects)
              (insert (format "  %s: %s" (tandem-get defect "kind") (tandem-get defect "message")))
              (let ((location (tandem-get defect "location")))
                (when (and location (not (tandem--false-p location)))
                  (insert "  ")
                  (tandem--insert-location-button (tandem--location-label location) location)))
              (insert "\n"))))))
    (goto-char (point-min))))

(defun tandem--ids-at-point ()
  "The requirement IDs the server finds at point.
That is the ID under the cursor, or the requirements the code here serves."
  (let* ((connection (tandem--connection t))
         (params (and connection (funcall (plist-get connection :position-params)))))
    (when params
      (mapcar (lambda (summary) (tandem-get summary "id"))
              (tandem--list (tandem-get (tandem-request "tandem/traceAt" params) "requirements"))))))

(defun tandem--read-id (prompt)
  "Read a requirement ID with PROMPT, completing over every ID.
The default is the requirement at point."
  (let* ((at-point (ignore-errors (tandem--ids-at-point)))
         (all (mapcar (lambda (summary) (tandem-get summary "id"))
                      (tandem--list (tandem-get (tandem-request "tandem/requirements" (make-hash-table)) "requirements")))))
    (completing-read (if at-point (format "%s (default %s): " prompt (car at-point)) (concat prompt ": "))
                     all nil nil nil nil (car at-point))))

(defun tandem-id-at-point ()
  "The requirement at point, as the server sees it, or nil."
  (car (tandem--ids-at-point)))

;;;###autoload
(defun tandem-trace (id)
  "Show the trace of requirement ID: where it is defined, implemented and tested.
Interactively, the requirement at point; with a prefix argument, ask."
  (interactive
   (list (or (and (not current-prefix-arg) (tandem-id-at-point))
             (tandem--read-id "Trace of requirement"))))
  (let ((buffer (tandem--view-buffer "*tandem-trace*")))
    (with-current-buffer buffer
      (let ((origin tandem--origin) (root tandem--root))
        (unless (derived-mode-p 'tandem-trace-mode) (tandem-trace-mode))
        (setq tandem--origin origin tandem--root root))
      (setq tandem--trace-id id)
      (tandem--view-fill))
    (pop-to-buffer buffer)
    buffer))

;;;; The coverage summary

(defconst tandem-statuses '("unimplemented" "untested" "failing" "covered" "verified")
  "Requirement statuses from worst to best.")

(defun tandem--status-counts (counts)
  "One line of COUNTS per status."
  (mapconcat (lambda (status) (format "%s %d" status (or (tandem-get (tandem-get counts "byStatus") status) 0)))
             tandem-statuses ", "))

(defun tandem--hash-keys (object)
  "The keys of a JSON OBJECT (hash table or plist) as strings."
  (cond ((hash-table-p object) (hash-table-keys object))
        ((listp object) (cl-loop for (key _value) on object by #'cddr collect (substring (symbol-name key) 1)))))

(defun tandem-percent (ratio)
  "RATIO (0..1) as a whole percentage, halves rounded up as every other client does.
Emacs's `round' rounds halves to even (62.5 to 62)."
  (floor (+ 0.5 (* 100 ratio))))

(defun tandem-coverage-lines (coverage)
  "The lines of the coverage view for a `tandem/coverage' result COVERAGE."
  (let ((by-type (tandem-get coverage "byArtifactType")))
    (append
     (list (format "Tandem coverage: %d requirements, %d%% covered"
                   (tandem-get coverage "total") (tandem-percent (tandem-get coverage "coveredRatio")))
           ""
           (concat "By status: " (tandem--status-counts coverage)))
     (mapcar (lambda (type)
               (let ((counts (tandem-get by-type type)))
                 (format "  %s (%d): %s" type (tandem-get counts "total") (tandem--status-counts counts))))
             (sort (tandem--hash-keys by-type) #'string<))
     (list ""
           (format "Requirements with defects: %d" (tandem-get coverage "defective"))
           (format "Tags naming unknown IDs: %d" (tandem-get coverage "unknownIdTags"))))))

(define-derived-mode tandem-coverage-mode special-mode "Tandem coverage"
  "Counts of requirements per status and per artifact type.  \\[revert-buffer] refreshes."
  (setq tandem--view-query (lambda () (list "tandem/coverage" (make-hash-table)))
        tandem--view-render #'tandem--coverage-render)
  (setq-local revert-buffer-function #'tandem--view-revert))

(defun tandem--coverage-render (coverage)
  "Show a `tandem/coverage' result COVERAGE in the coverage buffer."
  (let ((inhibit-read-only t))
    (erase-buffer)
    (insert (string-join (tandem-coverage-lines coverage) "\n") "\n")
    (goto-char (point-min))))

;;;###autoload
(defun tandem-coverage ()
  "Show how many requirements are covered, per status and per artifact type."
  (interactive)
  (tandem--connection)
  (let ((buffer (tandem--view-buffer "*tandem-coverage*")))
    (with-current-buffer buffer
      (let ((origin tandem--origin) (root tandem--root))
        (unless (derived-mode-p 'tandem-coverage-mode) (tandem-coverage-mode))
        (setq tandem--origin origin tandem--root root))
      (tandem--view-fill))
    (pop-to-buffer buffer)
    buffer))

;;;; Refreshing on tandem/traceDidChange

(defvar tandem--refresh-timer nil
  "The pending refresh of the views.")

(defun tandem-refresh-views ()
  "Fill every live Tandem view again."
  (setq tandem--refresh-timer nil)
  (dolist (name '("*tandem-requirements*" "*tandem-trace*" "*tandem-coverage*"))
    (when-let ((buffer (get-buffer name)))
      (with-current-buffer buffer
        (condition-case error
            (when tandem--view-query (tandem--view-fill t))
          (error (message "Tandem: refreshing %s failed: %s" name (error-message-string error))))))))

(defun tandem-trace-did-change (&rest _params)
  "Handle `tandem/traceDidChange': refresh the views a moment later."
  ;; Requests must not be sent from inside the process filter that delivers the notification.
  (unless tandem--refresh-timer
    (setq tandem--refresh-timer (run-at-time 0.05 nil #'tandem-refresh-views))))

;;;; Progress

(defvar tandem--progress-titles (make-hash-table :test #'equal)
  "The title of each work-done progress in flight, by token.")

(defun tandem-progress-message (token value)
  "Show one `$/progress' VALUE of TOKEN in the echo area.
For clients that do not show work-done progress themselves."
  (let* ((kind (tandem-get value "kind"))
         (title (or (tandem-get value "title") (gethash token tandem--progress-titles) "Tandem"))
         (text (tandem-get value "message"))
         (percentage (tandem-get value "percentage")))
    (if (equal kind "end") (remhash token tandem--progress-titles) (puthash token title tandem--progress-titles))
    (message "%s%s%s%s" title
             (if (and text (not (tandem--false-p text))) (concat ": " text) "")
             (if (numberp percentage) (format " (%d%%)" percentage) "")
             (if (equal kind "end") " (done)" ""))))

;;;; Commands of the server

(defun tandem-execute-command (command arguments &optional callback)
  "Run the server COMMAND with ARGUMENTS (a list); call CALLBACK with its result."
  (tandem-request-async "workspace/executeCommand"
                        (list :command command :arguments (apply #'vector arguments))
                        (or callback #'ignore)))

;;;###autoload
(defun tandem-generate (id)
  "Generate implementation and tests for requirement ID through the model.
The server answers at once and works on; the edit arrives as a workspace edit
you can review and undo (applied to buffers, not yet saved), and its outcome
is shown when the run is over.  Progress shows through your LSP client's
progress display."
  (interactive (list (or (tandem-id-at-point) (tandem--read-id "Generate for requirement"))))
  (message "Tandem: generating %s..." id)
  (tandem-execute-command "tandem.generate" (list (list :kind "requirement" :requirementId id))
                          (lambda (report)
                            (let ((run (tandem-get report "runId")))
                              (when (stringp run) (puthash run t tandem--generation-runs))
                              (message "Tandem: %s: %s" (or (tandem-get report "title") id)
                                       (or (tandem-get report "message") ""))))))

(defvar tandem--generation-runs (make-hash-table :test #'equal)
  "Runs started by `tandem-generate', whose outcome it shows.")

(defun tandem-generation-did-finish (report)
  "Handle `tandem/generationDidFinish' REPORT: say how a run of `tandem-generate' ended.
Runs started from a code action are reported by the server's own message."
  (let ((run (tandem-get report "runId")))
    (when (and (stringp run) (gethash run tandem--generation-runs))
      (remhash run tandem--generation-runs)
      (message "Tandem: %s: %s" (or (tandem-get report "status") "done") (or (tandem-get report "message") "")))))

(defun tandem-test-results (&rest _params)
  "Handle `tandem/testResults': refresh the views, whose statuses the results change."
  (tandem-trace-did-change))

(defun tandem-describe-test-run (result)
  "One sentence for a `tandem.runTests' RESULT."
  (let ((counts (tandem-get result "counts"))
        (problem (car (tandem--list (tandem-get result "problems")))))
    (if (not counts)
        "test run finished"
      (concat (format "tests %s: %d passed, %d failed, %d errored, %d skipped"
                      (tandem-get result "state")
                      (tandem-get counts "passed") (tandem-get counts "failed")
                      (tandem-get counts "errored") (tandem-get counts "skipped"))
              (if problem (format " (%s)" (tandem-get problem "message")) "")))))

;;;###autoload
(defun tandem-run-tests (&optional id)
  "Run the workspace's tests through the server; results update the views.
With a prefix argument, run only the tests of requirement ID (the one at
point by default)."
  (interactive (list (and current-prefix-arg
                          (or (tandem-id-at-point) (tandem--read-id "Run the tests of requirement")))))
  (message "Tandem: running tests...")
  (tandem-execute-command "tandem.runTests"
                          (list (if id (list :scope "requirement" :id id) (list :scope "all")))
                          (lambda (result) (message "Tandem: %s" (tandem-describe-test-run result)))))

;;;###autoload
(defun tandem-restart ()
  "Restart the Tandem server."
  (interactive)
  (with-current-buffer (tandem--connection-buffer)
    (funcall (plist-get (tandem--connection) :restart))))

;;;###autoload
(defun tandem-server-info ()
  "Show what the server is doing: version, folders, files, watcher."
  (interactive)
  (let ((info (tandem-request "tandem/serverInfo" nil)))
    (message "Tandem %s: %d files%s, watcher %s, folders %s"
             (tandem-get info "version") (tandem-get info "files")
             (if (tandem--false-p (tandem-get info "indexing")) "" " (indexing)")
             (tandem-get info "watcher")
             (mapconcat #'tandem-uri-to-file (tandem--list (tandem-get info "folders")) ", "))))

;;;; Registering with the clients

;; Provided before the integrations load: when lsp-mode or eglot is already loaded they load at
;; once, and they require this feature.
(provide 'tandem)

(with-eval-after-load 'lsp-mode (require 'tandem-lsp))
(with-eval-after-load 'eglot (require 'tandem-eglot))

;;; tandem.el ends here
