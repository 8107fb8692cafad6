// k6/html as k6 documents it (grafana/k6 js/modules/k6/html): Selection and Element over cheerio.
import { describe, expect, it } from 'vitest';
import { Element, Selection } from './html-selection.ts';
import { parseHTML } from './html.ts';

const PAGE = `<html lang="en"><head><title>LLMux page</title></head><body>
<ul id="nav"><li class="item first"><a href="/one" id="l1">One</a></li><li class="item"><a href="/two">Two</a></li><li class="item"><a href="/three">Three</a></li></ul>
<form id="f"><input name="user" value="ann"><input type="checkbox" name="keep" checked><textarea name="note">hi</textarea>
<select name="model"><option value="a">A</option><option value="b" selected>B</option></select>
<select name="many" multiple><option selected>x</option><option value="y" selected>Y</option></select></form>
<div data-id="42" data-flag="true" data-name="n">text</div></body></html>`;

describe('k6/html', () => {
  const doc = parseHTML(PAGE);

  it('finds, counts and reads as k6: size(), text(), attr() with a default, html()', () => {
    expect(doc.find('a').size()).toBe(3);
    expect(doc.find('title').text()).toBe('LLMux page');
    expect(doc.find('a').attr('href')).toBe('/one');
    expect(doc.find('a').attr('rel', 'none')).toBe('none');
    expect(doc.find('a').attr('rel')).toBeUndefined();
    expect(doc.find('li').first().html()).toBe('<a href="/one" id="l1">One</a>');
    expect(doc.find('nope').html()).toBeUndefined();
  });

  it('each() calls back with Elements, map() with Selections and returns an array', () => {
    const seen: string[] = [];
    doc.find('a').each((i, el) => seen.push(`${i}:${el!.textContent()}:${el!.getAttribute('href')}`));
    expect(seen).toEqual(['0:One:/one', '1:Two:/two', '2:Three:/three']);
    const hrefs = doc.find('a').map((_, s) => s.attr('href'));
    expect(Array.isArray(hrefs)).toBe(true);
    expect(hrefs).toEqual(['/one', '/two', '/three']);
  });

  it('get() gives Elements, toArray() Selections; filter()/is() take (index, Selection) functions', () => {
    const first = doc.find('a').get(0) as Element;
    expect(first).toBeInstanceOf(Element);
    expect(first.id()).toBe('l1');
    expect(first.nodeName()).toBe('a');
    expect((doc.find('a').get() as Element[]).map((e) => e.textContent())).toEqual(['One', 'Two', 'Three']);
    expect(doc.find('a').get(3)).toBeUndefined();
    const items = doc.find('li').toArray();
    expect(items[1]).toBeInstanceOf(Selection);
    expect(items[1].text()).toBe('Two');
    expect(doc.find('a').filter((i) => i > 0).size()).toBe(2);
    expect(doc.find('a').filter((_, s) => s.text() === 'Two').attr('href')).toBe('/two');
    expect(doc.find('a').is((_, s) => s.text() === 'Three')).toBe(true);
    expect(doc.find('li').not('.first').size()).toBe(2);
  });

  it('Elements navigate the DOM as k6 documents', () => {
    const nav = doc.find('#nav').get(0) as Element;
    expect(nav.childElementCount()).toBe(3);
    expect(nav.firstElementChild()!.classList()).toEqual(['item', 'first']);
    expect(nav.firstElementChild()!.nextElementSibling()!.textContent()).toBe('Two');
    expect(nav.querySelectorAll('a').map((a) => a.getAttribute('href'))).toEqual(['/one', '/two', '/three']);
    expect(nav.querySelector('a')!.parentElement()!.nodeName()).toBe('li');
    expect(nav.getElementsByClassName('item')).toHaveLength(3);
    expect(nav.lang()).toBe('en');
    expect(nav.nodeType()).toBe(1);
    expect(nav.firstChild()!.nodeName()).toBe('li');
    expect(nav.contains(nav.querySelector('a'))).toBe(true);
    expect(nav.hasAttribute('id')).toBe(true);
    expect(nav.attributes().id.value).toBe('nav');
  });

  it('reads form fields as k6: val(), serialize(), serializeArray(), serializeObject(), data()', () => {
    expect(doc.find('input[name=user]').val()).toBe('ann');
    expect(doc.find('input[name=keep]').val()).toBe('on');
    expect(doc.find('textarea').val()).toBe('hi');
    expect(doc.find('select[name=model]').val()).toBe('b');
    expect(doc.find('select[name=many]').val()).toEqual(['x', 'y']);
    expect(doc.find('#f').serializeObject()).toMatchObject({ user: 'ann', keep: 'on', note: 'hi', model: 'b' });
    expect(doc.find('#f').serialize()).toContain('user=ann');
    expect(doc.find('div').data('id')).toBe(42);
    expect(doc.find('div').data()).toMatchObject({ id: 42, flag: true, name: 'n' });
  });
});
