<?php
// The PHP-FPM peer of `make bench`: POST /api/people as CONTRACT.md's "Validation of a create"
// has it, stored with PDO SQLite configured as durably as people-api's store (WAL,
// synchronous = FULL: a 201 only once the commit's WAL frames are synced). Started by
// bench/php_fpm.py with pm = static behind the same nginx site as people-api; nginx passes
// every /api/ request here (SCRIPT_FILENAME). Not a product: the bench's yardstick.
//
// Shortcuts, each of which can only make this peer cheaper than people-api, never dearer:
// no Idempotency-Key, duplicate member names are not refused (json_decode keeps the last),
// an age is judged on the double json_decode made of it, and the email key lower-cases ASCII
// only (no mbstring). Everything the bench's create workloads send is handled exactly as
// people-api handles it: the same statuses, headers and bodies.
declare(strict_types=1);
header_remove('X-Powered-By');

const WHITESPACE = '[\x{9}-\x{D}\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]';
const MESSAGES = [
    'required' => 'This field is required.',
    'not_a_string' => 'Must be a string.',
    'blank' => 'Must not be blank.',
    'too_long_name' => 'Must be at most 100 characters.',
    'too_long_email' => 'Must be at most 254 characters.',
    'control_characters' => 'Must not contain control characters.',
    'invalid_email' => 'Enter a valid email address.',
    'not_a_whole_number' => 'Must be a whole number from 0 to 150.',
    'out_of_range' => 'Must be a whole number from 0 to 150.',
    'unknown_field' => 'Unknown field.',
    'server_assigned' => 'Unknown field: the server assigns it.',
    'taken' => 'This email address is already taken.',
];

// The contract's closed list of violation codes, where the message key is not the code itself.
const CODES = ['too_long_name' => 'too_long', 'too_long_email' => 'too_long', 'server_assigned' => 'unknown_field'];

$correlationId = $_SERVER['REQUEST_ID'] ?? bin2hex(random_bytes(16));

function now_rfc3339(): array {
    [$fraction, $seconds] = explode(' ', microtime());
    $millis = min(999, (int)($fraction * 1000));
    return [(int)$seconds * 1000 + $millis, gmdate('Y-m-d\TH:i:s', (int)$seconds) . sprintf('.%03dZ', $millis)];
}

function respond(int $status, string $body, array $headers = []): void {
    global $correlationId;
    http_response_code($status);
    header('Content-Length: ' . strlen($body));
    header('Content-Type: application/json; charset=utf-8');
    foreach ($headers as $name => $value) {
        header("$name: $value");
    }
    header("X-Request-ID: $correlationId");
    header('X-Content-Type-Options: nosniff');
    header('Cache-Control: no-store');
    echo $body;
}

/** The contract's envelope; $violations is a list of [field, code]. */
function fail(int $status, string $code, string $message, array $violations = [], array $headers = []): void {
    global $correlationId;
    $errors = [];
    $list = [];
    foreach ($violations as [$field, $violation]) {
        $text = MESSAGES[$violation];
        $errors[$field][] = $text;
        $list[] = ['field' => $field, 'code' => CODES[$violation] ?? $violation, 'message' => $text];
    }
    respond($status, json_encode(['error' => [
        'status' => $status, 'code' => $code, 'message' => $message,
        'errors' => (object)$errors, 'violations' => $list,
        'timestamp' => now_rfc3339()[1], 'correlation_id' => $correlationId,
    ]], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), $headers);
}

function trimmed(string $text): string {
    return preg_replace('/^' . WHITESPACE . '+|' . WHITESPACE . '+$/u', '', $text) ?? '';
}

function graphemes(string $text): int {
    return (int)preg_match_all('/\X/u', $text);
}

function normalised_email(string $email): ?string {
    $parts = explode('@', $email);
    if (count($parts) !== 2 || $parts[0] === '' || preg_match('/' . WHITESPACE . '|\p{Cc}/u', $parts[0])) {
        return null;
    }
    $labels = explode('.', $parts[1]);
    if (count($labels) < 2) {
        return null;
    }
    foreach ($labels as $label) {
        if (!preg_match('/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/D', $label)) {
            return null;
        }
    }
    return $parts[0] . '@' . strtolower($parts[1]);
}

function database(): PDO {
    // One connection per FPM child, kept between requests, as a PHP site would run it. PDO's own busy
    // timeout (60 s): a create waits for the write lock rather than fail (wrk gives up after 5 s).
    $db = new PDO('sqlite:' . $_SERVER['PEOPLE_PHP_DATABASE'], null, null, [
        PDO::ATTR_PERSISTENT => true,
        PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
    ]);
    // Per connection, so on the very connection that writes; journal_mode = WAL is the file's own (set by the bench).
    $db->exec('PRAGMA synchronous = ' . ($_SERVER['PEOPLE_PHP_SYNCHRONOUS'] ?? 'FULL'));
    return $db;
}

function uuid7(int $millis): string {
    $bytes = substr(pack('J', $millis), 2) . random_bytes(10);
    $bytes[6] = chr((ord($bytes[6]) & 0x0F) | 0x70);
    $bytes[8] = chr((ord($bytes[8]) & 0x3F) | 0x80);
    $hex = bin2hex($bytes);
    return substr($hex, 0, 8) . '-' . substr($hex, 8, 4) . '-' . substr($hex, 12, 4) . '-' . substr($hex, 16, 4) . '-' . substr($hex, 20);
}

$method = $_SERVER['REQUEST_METHOD'] ?? 'GET';
$path = strtok($_SERVER['REQUEST_URI'] ?? '/', '?');

// For the bench alone: the settings of the connection that writes, read back from it.
if ($path === '/api/.php-peer-settings' && $method === 'GET') {
    $db = database();
    respond(200, json_encode([
        'journal_mode' => $db->query('PRAGMA journal_mode')->fetchColumn(),
        'synchronous' => (int)$db->query('PRAGMA synchronous')->fetchColumn(),
    ]));
    return;
}
if ($path !== '/api/people') {
    fail(404, 'NOT_FOUND', 'Nothing was found at this address.');
    return;
}
if ($method !== 'POST') {
    fail(405, 'METHOD_NOT_ALLOWED', 'This address accepts only POST here.', [], ['Allow' => 'POST']);
    return;
}
$accept = $_SERVER['HTTP_ACCEPT'] ?? '';
if ($accept !== '' && !preg_match('#(^|[,\s])(application/(json|problem\+json|\*)|\*/\*)#i', $accept)) {
    fail(406, 'NOT_ACCEPTABLE', 'This API answers only with application/json.');
    return;
}
if (!preg_match('#^application/json\s*(;|$)#i', $_SERVER['CONTENT_TYPE'] ?? '')) {
    fail(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the person as application/json.');
    return;
}
$body = file_get_contents('php://input');
if ($body === '' || $body === false) {
    fail(400, 'MALFORMED_JSON', 'The request body is empty; send a JSON object.');
    return;
}
if (str_starts_with($body, "\xEF\xBB\xBF")) {
    fail(400, 'MALFORMED_JSON', 'The request body starts with a byte-order mark; send UTF-8 JSON without one.');
    return;
}
try {
    $submission = json_decode($body, false, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
} catch (JsonException $error) {
    fail(400, 'MALFORMED_JSON', 'The request body is not valid JSON.');
    return;
}
if (!($submission instanceof stdClass)) {
    fail(400, 'MALFORMED_JSON', 'The request body must be a JSON object.');
    return;
}

$fields = get_object_vars($submission);
$violations = [];

$name = null;
if (!isset($fields['name'])) {
    $violations[] = ['name', 'required'];
} elseif (!is_string($fields['name'])) {
    $violations[] = ['name', 'not_a_string'];
} else {
    $name = trimmed($fields['name']);
    if ($name === '') { $violations[] = ['name', 'blank']; }
    if (graphemes($name) > 100) { $violations[] = ['name', 'too_long_name']; }
    if (preg_match('/\p{Cc}/u', $name)) { $violations[] = ['name', 'control_characters']; }
}

$email = null;
if (!isset($fields['email'])) {
    $violations[] = ['email', 'required'];
} elseif (!is_string($fields['email'])) {
    $violations[] = ['email', 'not_a_string'];
} else {
    $raw = trimmed($fields['email']);
    if ($raw === '') {
        $violations[] = ['email', 'required'];
    } else {
        if (graphemes($raw) > 254) { $violations[] = ['email', 'too_long_email']; }
        $email = normalised_email($raw);
        if ($email === null) { $violations[] = ['email', 'invalid_email']; }
    }
}

$age = $fields['age'] ?? null;
if (is_int($age)) {
    if ($age < 0 || $age > 150) { $violations[] = ['age', 'out_of_range']; }
} elseif (is_float($age)) {
    if (!is_finite($age) || floor($age) !== $age) {
        $violations[] = ['age', 'not_a_whole_number'];
    } elseif ($age < 0 || $age > 150) {
        $violations[] = ['age', 'out_of_range'];
    } else {
        $age = (int)$age;
    }
} elseif ($age !== null) {
    $violations[] = ['age', 'not_a_whole_number'];
}

foreach ($fields as $key => $unused) {
    if ($key !== 'name' && $key !== 'email' && $key !== 'age') {
        $violations[] = [(string)$key, $key === 'id' || $key === 'created_at' ? 'server_assigned' : 'unknown_field'];
    }
}

if ($violations) {
    $count = count(array_unique(array_column($violations, 0)));
    fail(422, 'VALIDATION_ERROR', "The person could not be created: $count " . ($count === 1 ? 'field is' : 'fields are') . ' invalid.',
         $violations);
    return;
}

[$millis, $createdAt] = now_rfc3339();
$person = ['id' => uuid7($millis), 'name' => $name, 'email' => $email, 'age' => $age, 'created_at' => $createdAt];
try {
    $insert = database()->prepare(
        'INSERT INTO person (id, name, email, email_key, age, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    $insert->execute([$person['id'], $name, $email, strtolower($email), $age, $createdAt]);
} catch (PDOException $error) {
    $code = $error->errorInfo[1] ?? 0;
    if ($code === 19 && str_contains($error->getMessage(), 'email_key')) {
        fail(409, 'CONFLICT', 'A person with this email address already exists.', [['email', 'taken']]);
    } elseif ($code === 5 || $code === 6) {
        fail(503, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable; retry shortly.', [], ['Retry-After' => '1']);
    } else {
        error_log('person.php: ' . $error->getMessage());
        fail(500, 'INTERNAL_ERROR', 'Something went wrong on our side.');
    }
    return;
}
respond(201, json_encode($person, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), ['Location' => '/api/people/' . $person['id']]);
